from django.urls import path

from webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("", views.webhook_list, name="list"),
    path("<int:webhook_id>/", views.webhook_detail, name="detail"),
    path("<int:webhook_id>/deactivate/", views.webhook_deactivate, name="deactivate"),
    path(
        "<int:webhook_id>/deliveries/<int:delivery_id>/send-again/",
        views.delivery_send_again,
        name="send_again",
    ),
]
