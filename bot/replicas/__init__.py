"""Replicas: of several ``muster run`` processes on one database, exactly one, the primary,
runs the singletons (the outbox sender, the due-work scheduler): the one holding a lease row.

- ``lease``: the lease row (take, renew, release, fence) and the term a holder holds;
- ``holder``: who holds it, one start of one process;
- ``fenced``: the database as the primary's sender sees it, every transaction fenced;
- ``keeper``: keeps the lease (or waits to take it over) and starts and stops the singletons;
- ``primary``: what runs on the primary, and how the application wires it.

The lease (``models.leases.Lease``) names its holder, its term and when it expires. The holder
renews it every ``renew_seconds``, pushing ``expires_at`` to ``lease_seconds`` ahead; the
others try to take it every ``renew_seconds`` and succeed once it has expired, so a holder that
died is replaced within ``lease_seconds + renew_seconds``. Taking and renewing are conditional
UPDATEs, the same on SQLite and PostgreSQL; every taking raises ``term`` by one, so a holder
whose holder-and-term still match knows nobody else has held the lease since.

A holder stops its singletons at once when a renewal finds the lease taken (it was paused
past the expiry). One that cannot renew, its database not answering, gives up when
``expires_at - renew_seconds`` passes, before anyone else may take over.

SQLite is one process's database: there a holder that is a live process of this machine is
never replaced, whatever the expiry (a long transaction may hold up its renewals), and one
that died is replaced at once (a restart after a crash need not wait); a second ``muster run``
finds the lease held and is refused.

The fence. A holder may be paused (a stalled VM, a stopped process) and resume after another
took over, with the sender in the middle of its work. So every transaction of the sender
begins by checking, in that transaction, that its holder and term still hold (``fence``). On
PostgreSQL the check locks the lease row for share until the transaction ends, so a takeover
(an UPDATE of that row) waits for it; on SQLite every transaction holds the write lock anyway.
Hence once a new holder has taken the lease, the old one can no longer claim a message, nor
record one as sent, failed or pending again; and the new holder makes the rows left
``sending`` pending again only after it took the lease, when nothing the old holder does can
reach the database any more.

What remains is the window the outbox already allows after a crash: messages the old holder
claimed (at most a batch of them) whose request it made, or was making while it learnt of the
loss, but whose answer it could not record. They stay ``sending``, the new holder sends them
again, and a person may get one of them twice. A message recorded as ``sent`` is never sent
again. Clocks: lease times come from each process's clock; a skew between machines shifts
when a standby considers the lease expired (keep them synchronised with NTP), never what the
fence lets through.
"""
