"""POST /chatkit: OpenAI ChatKit's server protocol over our conversations, messages and runs
(docs/chatkit.md). `router` serves it; `server` answers each request through the official
`openai-chatkit` package; `threads` is ChatKit's Store over our conversations and messages;
`turns` starts and stops a run; `answer` turns a run's events into ChatKit's; `items` and
`steps` show stored messages and tool calls as ChatKit items a person can read."""
