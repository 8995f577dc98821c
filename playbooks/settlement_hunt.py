"""A planted bug for `scenario explore` to find: settlement at 0.0 when a closing auction
loses both of its prices.

Under random chaos (about 200 drops, delays and duplicates a run), most seeds
pass: a run fails only when the two auction prices of one session are both
dropped. The seed below is the first that fails; find it, and the two drops
that matter, yourself:

    scenario explore playbooks/settlement_hunt.py --seeds 1000

Expected outcome: fails (exit 1).
"""

from systems.settlement import SettlementService

from scenario_engine import Always, Count, Delay, Drop, Duplicate, Scenario

EXPECTED_EXIT = 1

settlement = (
    Scenario("settlement", seed=20)
    .description("Every session settles at a real price, whatever the network does.")
    .system(SettlementService, session=10, auction=2)
    .generator("constant", topic="PriceUpdate", value=100.0, every="1s")
    .phase("trading", cycles=150, profile="random_walk", step=0.002)
    .chaos(Drop("PriceUpdate", probability=0.05))
    .chaos(Delay("PriceUpdate", ms=20, jitter_ms=80, probability=0.8))
    .chaos(Duplicate("PriceUpdate", probability=0.5))
    .expect(Count("Settled", exact=14))
    .expect(Always("Settled", {"price": {"gt": 0}}))
)
