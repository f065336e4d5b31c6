"""The integration API, /api/v1/ (Django REST framework; schema by drf-spectacular).

Thin like the portal: every read goes through tickets.access, every change through
tickets.lifecycle, every input through the portal's own forms (the same upload rules). A token
(accounts.tokens) acts as its user and never more; a read-only token cannot write.
"""
