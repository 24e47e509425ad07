"""Generation of Terminal: configurations (the account default and overrides), locations
(some overriding the configuration) and readers of each device type and status, at a
location or none, with each kind of last action (failed, in progress, succeeded) or none.

Called from :func:`stripe_emulator.generate_operations.operations` (its random stream; same
guarantees as the rest of the account). Terminal objects have no ``created`` field: Stripe
lists them without one, newest first. Splash screens are existing files; a reader's action
names existing payment intents, setup intents, charges and refunds.
"""

from __future__ import annotations

from stripe_emulator.generate_base import Gen, Obj

_DEVICES = (
    "bbpos_chipper2x",
    "bbpos_wisepad3",
    "bbpos_wisepos_e",
    "mobile_phone_reader",
    "simulated_wisepos_e",
    "stripe_m2",
    "stripe_s700",
    "verifone_P400",
)
_STORES = (
    ("Mission Street", "San Francisco", "US", "CA", "94103", None),
    ("Pike Place", "Seattle", "US", "WA", "98101", "Stall 4"),
    ("Kings Road", "London", "GB", None, "SW3 4NX", None),
    ("Unter den Linden", "Berlin", "DE", None, "10117", "2. OG"),
)


def terminal(g: Gen, files: list[str]) -> None:
    """Add 4 configurations (splash screens from ``files``), 4 locations and a reader of
    each device type."""
    configurations = _terminal_configurations(g, files)
    locations = _terminal_locations(g, configurations)
    _terminal_readers(g, locations)


def _terminal_configurations(g: Gen, files: list[str]) -> list[Obj]:
    out = []
    for i in range(4):
        default = i == 0
        config = g.make(
            "terminal.configuration",
            None,
            is_account_default=default,
            name=None if default else f"Store profile {i}",
            bbpos_wisepos_e={"splashscreen": files[i % len(files)]} if i % 2 == 0 else None,
            stripe_s700={"splashscreen": files[(i + 1) % len(files)]} if i % 2 == 1 else None,
            verifone_p400={"splashscreen": files[i % len(files)]} if i == 2 else None,
            offline={"enabled": i % 3 != 1} if i != 3 else None,
            reboot_window={"start_hour": i, "end_hour": i + 2} if i % 2 == 0 else None,
            tipping=None
            if i % 2 == 0
            else {
                "usd": {"fixed_amounts": [100, 200, 300], "smart_tip_threshold": 1000},
                "eur": {"percentages": [10, 15, 20]},
            },
        )
        out.append(g.add(config))
    return out


def _terminal_locations(g: Gen, configurations: list[Obj]) -> list[Obj]:
    out = []
    for i in range(4):
        line1, city, country, state, postal, line2 = _STORES[i % len(_STORES)]
        location = g.make(
            "terminal.location",
            None,
            display_name=f"{city} store {i + 1}",
            address={
                "city": city,
                "country": country,
                "line1": f"{100 + i} {line1}",
                "line2": line2,
                "postal_code": postal,
                "state": state,
            },
            metadata={"region": country.lower()} if i % 2 == 0 else {},
        )
        if i % 3 == 1:  # uses a configuration other than the account default
            location["configuration_overrides"] = configurations[1 + i % 3]["id"]
        else:
            location.pop("configuration_overrides", None)
        out.append(g.add(location))
    return out


def _terminal_readers(g: Gen, locations: list[Obj]) -> None:
    for i, device in enumerate(_DEVICES):
        reader = g.make(
            "terminal.reader",
            None,
            device_type=device,
            label=f"Till {i + 1}",
            serial_number=f"{device[:4].upper()}-{1000 + i}",
            location=locations[i % len(locations)]["id"] if i % 5 else None,
            status=("online", "offline", None)[i % 3],
            ip_address=f"192.168.1.{10 + i}" if i % 3 == 0 else None,
            device_sw_version=f"2.{i}.0" if i % 4 else None,
            metadata={"lane": str(i)} if i % 2 else {},
            action=_reader_action(g, i),
        )
        g.add(reader)


def _reader_action(g: Gen, i: int) -> Obj | None:
    """The reader's last action: each type and status on some reader, none on others."""
    kind = i % 5
    if kind == 4:
        return None
    status = ("succeeded", "failed", "in_progress")[i % 3]
    action: Obj = {"failure_code": None, "failure_message": None, "status": status}
    if status == "failed":
        action.update(failure_code="card_declined", failure_message="The card was declined.")
    payment = _some(g, "payment_intent")
    if kind == 0:
        action.update(
            type="process_payment_intent",
            process_payment_intent={
                "payment_intent": payment,
                "process_config": {"skip_tipping": i % 2 == 0, "tipping": {"amount_eligible": 0}},
            },
        )
    elif kind == 1:
        action.update(
            type="process_setup_intent",
            process_setup_intent={
                "setup_intent": _some(g, "setup_intent"),
                "process_config": {"enable_customer_cancellation": True},
            },
        )
    elif kind == 2:
        refund: Obj = {
            "amount": 500,
            "charge": _some(g, "charge"),
            "metadata": {},
            "reason": "requested_by_customer",
            "refund_application_fee": False,
            "reverse_transfer": False,
        }
        if status == "succeeded":
            refund["refund"] = _some(g, "refund")
        action.update(type="refund_payment", refund_payment=refund)
    else:
        cart = {
            "currency": "usd",
            "line_items": [{"amount": 450, "description": "Latte", "quantity": 2}],
            "tax": 72,
            "total": 972,
        }
        action.update(type="set_reader_display", set_reader_display={"cart": cart, "type": "cart"})
    return action


def _some(g: Gen, object_type: str) -> str:
    pool = g.by_type.get(object_type) or []
    return str(pool[g.rng.randrange(len(pool))]["id"]) if pool else f"{object_type}_none"
