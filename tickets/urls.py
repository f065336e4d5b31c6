from django.urls import path

from tickets.views import portal

app_name = "tickets"

urlpatterns = [
    path("", portal.ticket_list, name="list"),
    path("new/", portal.ticket_new, name="new"),
    path("new/similar/", portal.similar_requests, name="similar"),
    path("<str:reference>/", portal.ticket_detail, name="detail"),
    path("<str:reference>/reply/", portal.ticket_reply, name="reply"),
    path("<str:reference>/confirm/", portal.ticket_confirm, name="confirm"),
    path("<str:reference>/dispute/", portal.ticket_dispute, name="dispute"),
    path("<str:reference>/withdraw/", portal.ticket_withdraw, name="withdraw"),
    path(
        "<str:reference>/files/<int:attachment_id>/<str:filename>",
        portal.attachment_download,
        name="attachment",
    ),
]
