from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from tickets.api import customer, staff
from tickets.api.views import not_found

app_name = "api"
# The schema and its page are public: they say how to call the API, not what is in it.
PUBLIC = {"permission_classes": [], "authentication_classes": [], "throttle_classes": []}

T = "tickets/<str:reference>/"
urlpatterns = [
    path("tickets/", customer.tickets, name="tickets"),
    path(T, customer.ticket, name="ticket"),
    path(T + "attachments/<int:attachment_id>/", customer.attachment, name="attachment"),
    path(T + "reply/", customer.reply, name="reply"),
    path(T + "confirm/", customer.confirm, name="confirm"),
    path(T + "dispute/", customer.dispute, name="dispute"),
    path(T + "withdraw/", customer.withdraw, name="withdraw"),
    path("queue/", staff.queue, name="queue"),
    path(T + "take/", staff.take, name="take"),
    path(T + "assign/", staff.assign, name="assign"),
    path(T + "priority/", staff.priority, name="priority"),
    path(T + "request-info/", staff.request_info, name="request_info"),
    path(T + "resolve/", staff.resolve, name="resolve"),
    path(T + "notes/", staff.note, name="note"),
    path("schema/", SpectacularAPIView.as_view(**PUBLIC), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", **PUBLIC),
        name="docs",
    ),
    re_path(r"^.*$", not_found),
]
