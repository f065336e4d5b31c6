"""Rating: the customer's satisfaction with a closed request (a model of tickets.models)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Rating(models.Model):
    """The customer's satisfaction with a closed request (1–5): at most one per request."""

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE, related_name="rating")
    score = models.PositiveSmallIntegerField(_("rating"))
    comment = models.TextField(_("comment"), blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("rated by"), on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("rated"), default=timezone.now)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        indexes = [models.Index(fields=["created_at"], include=["score"], name="rating_created")]
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="rating_1_to_5")
        ]

    def __str__(self):
        return f"{self.ticket_id}: {self.score}"
