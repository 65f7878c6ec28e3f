"""POST /chatkit: OpenAI ChatKit's server protocol over our conversations, messages and runs
(docs/chatkit.md). `router` serves it, `server` answers each request through the official
`openai-chatkit` package, `store` maps threads and items onto our tables, `turns` starts and
stops a run, `answer` turns a run's events into ChatKit's, `steps` describes tool calls for
a person."""
