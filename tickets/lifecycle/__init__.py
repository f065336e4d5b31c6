"""The ticket lifecycle: the only code that changes Ticket.status and writes its history.

Every public function is one domain action in one transaction: it checks who may do it
now (the TRANSITIONS table), applies it with a guarded UPDATE so that a concurrent change is
refused instead of overwritten, writes the TicketEvent, and asks the outbox (tickets.outbox)
to dispatch it in the same transaction. Views, the admin and jobs call these functions and
nothing else.

- .rules: who may do what from which status (Party, Action, TRANSITIONS, can, …);
- .actions: the customers' and support's actions on one request;
- .messages: a customer's e-mail to a resolved request (comment_on_solution);
- .channel: which channel (e-mail) a change came through, for its history entries;
- .batch: the scheduled, set-based work (automatic closing, reminders, record_many);
- .incidents: major incidents (mark, attach children, updates to all, the resolution cascade).
"""

from tickets.lifecycle.actions import (
    add_note,
    assign,
    auto_close,
    close,
    confirm,
    create_ticket,
    dispute,
    link,
    reopen,
    reply,
    request_info,
    resolve,
    set_blocks_work,
    set_executors,
    set_priority,
    set_type,
    split,
    take,
    withdraw,
)
from tickets.lifecycle.batch import (
    AUTO_CLOSE_BATCH,
    auto_close_candidates,
    auto_close_due,
    record_many,
    send_auto_close_reminders,
)
from tickets.lifecycle.messages import comment_on_solution
from tickets.lifecycle.rules import (
    ACTION_LABELS,
    CLOSE_REASONS,
    TRANSITIONS,
    Action,
    ConcurrentChange,
    NoContract,
    Party,
    Transition,
    TransitionRefused,
    available_actions,
    can,
    can_add_note,
    can_reply,
    concurrent_message,
    party_of,
)

__all__ = [
    "ACTION_LABELS",
    "AUTO_CLOSE_BATCH",
    "CLOSE_REASONS",
    "TRANSITIONS",
    "Action",
    "ConcurrentChange",
    "NoContract",
    "Party",
    "Transition",
    "TransitionRefused",
    "add_note",
    "assign",
    "auto_close",
    "auto_close_candidates",
    "auto_close_due",
    "available_actions",
    "can",
    "can_add_note",
    "can_reply",
    "close",
    "comment_on_solution",
    "concurrent_message",
    "confirm",
    "create_ticket",
    "dispute",
    "link",
    "party_of",
    "record_many",
    "reopen",
    "reply",
    "request_info",
    "resolve",
    "send_auto_close_reminders",
    "set_blocks_work",
    "set_executors",
    "set_priority",
    "set_type",
    "split",
    "take",
    "withdraw",
]
