"""The status banner's notice: a short text staff publish while something is known broken.

The model only; tickets.notices decides who sees which notice, and caches it.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class StatusNotice(models.Model):
    """ "Known problem: …" at the top of the portal, for some organisations or for all."""

    text_ru = models.CharField(_("text in Russian"), max_length=300)
    text_en = models.CharField(
        _("text in English"),
        max_length=300,
        blank=True,
        help_text=_("For customers who read in English; the Russian text is used if empty."),
    )
    everyone = models.BooleanField(
        _("all organisations"),
        default=False,
        help_text=_("Shown to every customer; otherwise only to the organisations chosen."),
    )
    organizations = models.ManyToManyField(
        "accounts.Organization",
        verbose_name=_("affected organisations"),
        blank=True,
        related_name="status_notices",
    )
    starts_at = models.DateTimeField(_("shown from"), default=timezone.now)
    ends_at = models.DateTimeField(
        _("shown until"), null=True, blank=True, help_text=_("Empty: until it is removed.")
    )
    incident = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("major incident"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="status_notices",
        limit_choices_to={"is_major_incident": True},
        help_text=_("Optional: the notice disappears when this incident is resolved."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        app_label = "tickets"
        verbose_name = _("status notice")
        verbose_name_plural = _("status notices")
        ordering = ["-starts_at", "-pk"]
        indexes = [models.Index(fields=["ends_at"], name="status_notice_ends")]

    def __str__(self):
        return self.text_ru[:80]

    def text_for(self, language: str) -> str:
        """The text in this language, or in Russian when there is none."""
        return self.text_en if language == "en" and self.text_en.strip() else self.text_ru
