"""plan.restore: the way back for each record of a snapshot, from what it holds now. Only what
the apply assigned by hand is taken away; what it held by hand is given back by the snapshot's
name; the rules run again only where a rule-given territory differs."""

from __future__ import annotations

from reconciler.plan.restore import HeldNow, RecordBack, RecordWas, records_back

IDS = {"Americas": "1", "north": "2", "EMEA": "3"}  # by the snapshot's names, any case
LATAM = HeldNow(id="9", name="LATAM", manual=True)


def test_what_the_apply_assigned_by_hand_is_taken_away_and_nothing_else() -> None:
    was = RecordWas(id="r", manual=("EMEA",), rules=("North",), added=("LATAM", "Americas"))
    other = HeldNow(id="8", name="Key Accounts", manual=True)  # by someone else: stays
    now = [LATAM, other, HeldNow(id="3", name="EMEA", manual=True), HeldNow("2", "North", False)]
    back = records_back({"Accounts": [was]}, IDS, {"Accounts": {"r": now}})
    assert back is not None
    (module,) = back.modules
    assert module.records == (RecordBack(id="r", remove=("9",)),)
    assert not module.run_rules


def test_what_it_held_by_hand_comes_back_and_changed_rules_run_again() -> None:
    was = RecordWas(id="r", manual=("Americas", "Gone"), rules=("North",))
    now = [HeldNow(id="3", name="EMEA", manual=False)]  # the rules gave it another one
    back = records_back({"Leads": [was]}, IDS, {"Leads": {"r": now}})
    assert back is not None
    (module,) = back.modules
    # `Gone` (deleted since, no id known) is given back by name once recreated.
    assert module.records == (RecordBack(id="r", assign=("Americas", "Gone")),)
    assert module.run_rules


def test_records_as_they_were_or_gone_since_need_nothing() -> None:
    was = [RecordWas(id="r", manual=("Americas",), rules=("North",)), RecordWas(id="deleted")]
    now = [
        HeldNow(id="1", name="Americas", manual=True),
        HeldNow(id="2", name="North", manual=False),
    ]
    assert records_back({"Accounts": was}, IDS, {"Accounts": {"r": now}}) is None
    assert records_back({"Accounts": was}, IDS, {}) is None
