from django.db import models


class CacheEntry(models.Model):
    """A row of Django's database cache, used when REDIS_URL is not set (settings.CACHES).

    A model only so that migrations create the table wherever the application runs (`make
    run`, the container, the tests) and the test database empties it between tests; Django's
    DatabaseCache reads and writes it with its own SQL, and nothing else uses this class.
    """

    cache_key = models.CharField(max_length=255, primary_key=True)
    value = models.TextField()
    expires = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "proftiket_cache"
        verbose_name = "cache entry"

    def __str__(self):
        return self.cache_key
