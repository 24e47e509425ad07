"""An account's events: recording them (with a snapshot of the object's embedded list at
the event) and the retention window they are listed and retrieved in.

Guarantees:
* An event keeps ``data.object`` as it was when recorded (stored objects are never mutated
  in place) and its embedded list as it was then, not when the event is read.
* An event is visible for :attr:`~stripe_emulator.store.AccountStore.event_retention_days`
  counted back from the account's clock; older ones are gone (lists, retrieves, cursors).
"""

from __future__ import annotations

from stripe_emulator.query import Obj
from stripe_emulator.rendering import EVENT_SNAPSHOT, AccountRendering
from stripe_emulator.resources import EMBEDDED
from stripe_emulator.templates import event_types, template


class AccountEvents(AccountRendering):
    """An account's event log."""

    def record_event(
        self,
        type_name: str,
        obj: Obj,
        created: int | None = None,
        previous_attributes: Obj | None = None,
        *,
        store: bool = True,
        api_version: str | None = None,
    ) -> Obj:
        """Build (and unless ``store=False`` add) an event whose ``data.object`` is ``obj``.

        ``type_name`` must be an event type of the spec (ValueError otherwise).
        ``event.api_version`` is ``api_version``, else :attr:`event_api_version` (the pinned
        2024-06-20 unless changed). An event in any other version renders ``data.object`` in
        the emulator's one "older" shape: exactly the pinned rendering without its
        ``metadata`` field (every evented type has one), as if that version predated
        ``metadata``. Retrieving the object by id always renders the pinned version.
        ``event.account`` names this account: a client reads it with the ``Stripe-Account``
        header (the tap always sends it), and Stripe names in each event the account that
        originates it.
        """
        if type_name not in event_types():
            raise ValueError(f"Stripe has no event type {type_name!r}")
        with self._lock:
            embed = EMBEDDED.get(str(obj.get("object")))
            snapshot = None
            if embed is not None and not embed[3] and obj.get("id") in self._objects:
                # the embedded list as it is at the event, not when the event is read
                snapshot = {embed[0]: self._materialize(obj, frozenset())[embed[0]]}
            event = template("event")
            data: Obj = {"object": obj}
            if previous_attributes is not None:
                data["previous_attributes"] = previous_attributes
            event.update(
                id=self.new_id("event"),
                object="event",
                account=self.id,
                api_version=api_version or self.event_api_version,
                created=self.clock() if created is None else created,
                data=data,
                livemode=False,
                pending_webhooks=0,
                request={"id": None, "idempotency_key": None},
                type=type_name,
            )
            if snapshot is not None:
                event[EVENT_SNAPSHOT] = snapshot
            if store:
                self._store(event, None)
            return event

    def _event_cutoff(self) -> int | None:
        if self.event_retention_days is None:
            return None
        return self.clock() - self.event_retention_days * 86_400

    def _visible(self, oid: str) -> bool:
        if self._types.get(oid) != "event":
            return True
        cutoff = self._event_cutoff()
        return cutoff is None or int(self._objects[oid]["created"]) >= cutoff
