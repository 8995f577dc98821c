"""Wire codecs: how an event becomes a stream entry or a message, and back.

Built-ins, each registered in ``scenario_engine.codecs`` like a plugin's:

- ``native`` (:mod:`.native`): the engine's own format, every attribute kept;
- ``json`` (:mod:`.json_body`): the payload as a JSON body (on Redis in one field);
- ``flat`` (:mod:`.flat`): Redis fields are the payload's top-level keys, typed back;
- ``faststream`` (:mod:`.faststream`): FastStream's message format.

Buses pick theirs through :mod:`.routing`; what no codec can decode is kept
raw (:mod:`.undecoded`).
"""
