"""Voice for the control room, Qt-free: spoken alarms and offline voice commands (English, Mandarin).

- :mod:`~hmi_app.voice.grammar`: the closed command grammar, generated from the plant config.
- :mod:`~hmi_app.voice.sphinx`: English recognition with pocketsphinx and a JSGF grammar.
- :mod:`~hmi_app.voice.templates`: Mandarin recognition by enrolment (MFCC + DTW, numpy only).
- :mod:`~hmi_app.voice.tts`: espeak-ng as a separate process, WAV files cached per message.
- :mod:`~hmi_app.voice.announcer` and :mod:`~hmi_app.voice.phrases`: what is said, and when.

The Qt side (playing, the push-to-talk button, acting on commands) is in ``screens/voice_*.py``.
"""
