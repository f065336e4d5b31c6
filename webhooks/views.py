"""A customer manager's webhooks: register, deactivate, the delivery log, "send again"."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from webhooks import sending
from webhooks.forms import WebhookForm
from webhooks.models import Webhook, WebhookDelivery

LOG_SIZE = 50


def _manager(request):
    if not request.user.is_customer_manager:
        raise PermissionDenied
    return request.user


def _own_webhook(request, webhook_id) -> Webhook:
    # Anything outside the manager's organisation is "not found", whether it exists or not.
    return get_object_or_404(
        Webhook, pk=webhook_id, organization_id=_manager(request).organization_id
    )


@login_required
def webhook_list(request):
    user = _manager(request)
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        webhook = form.save(commit=False)
        webhook.organization_id = user.organization_id
        webhook.created_by = user
        webhook.save()
        messages.success(request, _("The webhook is registered."))
        return redirect("webhooks:detail", webhook.pk)
    hooks = Webhook.objects.filter(organization_id=user.organization_id)
    return render(request, "webhooks/list.html", {"form": form, "webhooks": hooks})


@login_required
def webhook_detail(request, webhook_id):
    webhook = _own_webhook(request, webhook_id)
    deliveries = webhook.deliveries.select_related("event")[:LOG_SIZE]
    return render(request, "webhooks/detail.html", {"webhook": webhook, "deliveries": deliveries})


@login_required
@require_POST
def webhook_deactivate(request, webhook_id):
    webhook = _own_webhook(request, webhook_id)
    Webhook.objects.filter(pk=webhook.pk).update(is_active=False)
    messages.success(request, _("The webhook is deactivated."))
    return redirect("webhooks:list")


@login_required
@require_POST
def delivery_send_again(request, webhook_id, delivery_id):
    webhook = _own_webhook(request, webhook_id)
    delivery = get_object_or_404(WebhookDelivery, pk=delivery_id, webhook=webhook)
    if not webhook.is_active:
        messages.error(request, _("The webhook is deactivated."))
    else:
        sending.send_again(delivery)
        messages.success(request, _("The delivery is sent again."))
    return redirect("webhooks:detail", webhook.pk)
