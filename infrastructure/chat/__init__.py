"""Model providers behind the ChatModel port: echo (offline), OpenAI, Anthropic."""
