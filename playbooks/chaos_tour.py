"""Every built-in chaos action, each on its own topic, with the outcome it must have.

Each topic gets 100 ticks, one a second; every expectation below was worked
out by hand from the triggers. The run's own accounting, by hand too: 814
events published (8 x 100, 10 duplicates, 4 injected); 20 lost (Drop 10,
Outage 10), so 794 delivered; 85 held by chaos and released later (Reorder
holds 3 of every window of 4: 75; the buffering outage holds 10), none of
them counted as dropped. The summary reads "794 events delivered (85 held
by chaos, then released), 20 dropped"; events.jsonl has 899 lines.
"""

from scenario_engine import (
    Always,
    Count,
    Delay,
    Drop,
    Duplicate,
    Inject,
    Modify,
    Outage,
    Reorder,
    Scenario,
)

TOPICS = ("dropped", "delayed", "doubled", "shuffled", "zeroed", "fetched", "outage", "buffered")

tour = Scenario("chaos-tour", seed=3)
for topic in TOPICS:
    tour = tour.generator("counter", topic=topic, every="1s")

tour = (
    tour.phase("run", cycles=100)
    # cycles 10..19 lost: 90 of 100 arrive
    .chaos(Drop("dropped", at_cycle=(10, 19)))
    .expect(Count("dropped", exact=90))
    # every event 2.5 s late: all 100 still arrive, the run drains the last ones
    .chaos(Delay("delayed", ms=2500))
    .expect(Count("delayed", exact=100))
    # every 10th event doubled: 100 + 10
    .chaos(Duplicate("doubled", every=10))
    .expect(Count("doubled", exact=110))
    # held in windows of 4, released shuffled: none lost
    .chaos(Reorder("shuffled", window=4))
    .expect(Count("shuffled", exact=100))
    # the first 5 lose their value
    .chaos(Modify("zeroed", path="value", value=-1, max_times=5))
    .expect(Count("zeroed", exact=5, where={"value": -1}))
    # every 25th fetch is followed by a failure event: 4 of them
    .chaos(Inject("fetched", event="FetchFailed", every=25, payload={"error": "timeout"}))
    .expect(Count("FetchFailed", exact=4))
    .expect(Always("FetchFailed", {"error": "timeout"}))
    # a 10 s outage from cycle 50 loses cycles 50..59
    .chaos(Outage("outage", duration="10s", at_cycle=50))
    .expect(Count("outage", exact=90))
    # the same outage buffering (a broker restart): cycles 50..59 held, then all delivered
    .chaos(Outage("buffered", duration="10s", at_cycle=50, buffer=True))
    .expect(Count("buffered", exact=100))
)
