"""The agent console: the Django admin shaped for support work.

- queue.py: the request queue (list, filters, columns, bulk actions);
- request_views.py: the URLs of one request on the Ticket admin: the workspace (workspace.py),
  its small POST actions (actions.py), presence (presence.py), reply templates (canned.py);
- home.py: the console's index, the engineer's own work;
- filters.py, sla_display.py, forms.py: what those share.

Thin on purpose: every change of a request goes through tickets.lifecycle; these modules
parse input, call it, and report what it refused. tickets/admin.py registers the console.
"""
