FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY pyproject.toml README.md alembic.ini ./
COPY backend ./backend
COPY agent ./agent
COPY mcp_tools ./mcp_tools
COPY migrations ./migrations
RUN pip install --no-cache-dir .
RUN useradd --system --uid 1000 todo
USER todo
EXPOSE 8000
# `serve` applies the migrations, then starts uvicorn.
CMD ["todo-chat", "serve", "--host", "0.0.0.0", "--port", "8000"]
