"""The e-mail channel's way in: replies and new requests by e-mail (issue 14).

- .thread_ids: the Message-IDs and reply addresses of our e-mails, and how to read them back;
- .parsing: one raw message → its sender, threading headers, clean text and files;
- .cleaning: quoted history and signatures stripped, HTML turned into text;
- .matching: which request a message answers (headers, then `[PT-…]`, then the address);
- .acting: what a message does (a reply through tickets.lifecycle, a new request, a refusal),
  exactly once per Message-ID;
- .polling: the IMAP mailboxes (inbound.Mailbox), polled by a django-q2 schedule.
"""
