# A script in the shape docgen was first made for: client set-up at module level, a main() that
# streams the answer, and an entry point.
import os

import openai

openai.api_key = os.environ.get("CHATBOT_API_KEY", "")
openai.base_url = "http://localhost:1337/v1/"

MODEL = "gpt-4o-mini"


def ask(question: str, *, stream: bool = True, temperature: float = 0.2) -> str:
    """Send one question to the chat model and return the whole answer.

    Args:
        question: What to ask.
        stream: Print the answer piece by piece while it arrives.
        temperature: Sampling temperature passed to the model.

    Returns:
        The answer text.

    Raises:
        ValueError: If the question is empty.
    """
    if not question.strip():
        raise ValueError("the question is empty")
    response = openai.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": question}],
        stream=stream,
        temperature=temperature,
    )
    if not stream:
        return response.choices[0].message.content
    parts = []
    for chunk in response:
        delta = chunk.choices[0].delta.content
        if delta is not None:
            print(delta, end="", flush=True)
            parts.append(delta)
    print()
    return "".join(parts)


def main() -> None:
    ask("write a poem about a tree")


if __name__ == "__main__":
    main()
