"""Setting up a client with failover and printing a streamed answer, as a plain script."""

from openai import OpenAI

client = OpenAI(base_url="http://localhost:11434/v1", api_key="ollama", max_retries=5)

messages = [{"role": "user", "content": "Hello"}]

response = client.chat.completions.create(model="llama3.1", messages=messages, stream=True)

for chunk in response:
    print(chunk.choices[0].delta.content or "", end="")
print()
