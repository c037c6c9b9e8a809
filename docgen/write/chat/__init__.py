"""The chat-model writer: prompts (:mod:`~docgen.write.chat.prompts`), the transport
(:mod:`~docgen.write.chat.client`, :mod:`~docgen.write.chat.sse`), reading and checking answers
(:mod:`~docgen.write.chat.answer`, :mod:`~docgen.write.chat.validate`,
:mod:`~docgen.write.chat.sanitize`), one unit (:mod:`~docgen.write.chat.writer`), many units
with the cache (:mod:`~docgen.write.chat.run`), and cost estimates
(:mod:`~docgen.write.chat.estimate`). Importing it loads the openai package."""
