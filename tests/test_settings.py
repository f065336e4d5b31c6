"""Settings that depend on the environment, read by a fresh process as in production."""

import json
import os
import subprocess
import sys


def settings_in_a_fresh_process(**environment) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps({'cache': settings.CACHES['default']['BACKEND'], "
        "'location': str(settings.CACHES['default'].get('LOCATION')), "
        "'proxy': settings.SECURE_PROXY_SSL_HEADER, "
        "'database_options': settings.DATABASES['default'].get('OPTIONS', {})}))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "proftiket.settings_test"}
    for name in ("REDIS_URL", "BEHIND_PROXY", "DATABASE_SERVER_SIDE_BINDING"):
        env.pop(name, None)
    env.update(environment)
    output = subprocess.run(  # noqa: S603  (our own interpreter and code)
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def test_redis_is_the_cache_when_redis_url_is_set_and_the_database_otherwise():
    assert settings_in_a_fresh_process()["cache"].endswith("DatabaseCache")
    with_redis = settings_in_a_fresh_process(REDIS_URL="redis://127.0.0.1:6379/3")
    assert with_redis["cache"].endswith("RedisCache")
    assert with_redis["location"] == "redis://127.0.0.1:6379/3"


def test_the_proxy_header_is_trusted_only_when_behind_proxy_says_so():
    assert settings_in_a_fresh_process()["proxy"] is None
    behind = settings_in_a_fresh_process(BEHIND_PROXY="true")
    assert behind["proxy"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_postgresql_prepares_repeated_queries_unless_told_not_to():
    postgres = "postgres://proftiket@127.0.0.1:5432/proftiket"
    options = settings_in_a_fresh_process(DATABASE_URL=postgres)["database_options"]
    assert options["server_side_binding"] is True
    assert options["prepare_threshold"] == 5
    # Behind PgBouncer in transaction pooling mode: parameters bound by psycopg, nothing prepared.
    off = settings_in_a_fresh_process(DATABASE_URL=postgres, DATABASE_SERVER_SIDE_BINDING="false")
    assert "server_side_binding" not in off["database_options"]
    assert "prepare_threshold" not in off["database_options"]
    sqlite = settings_in_a_fresh_process(DATABASE_URL="sqlite:///var/test-settings.sqlite3")
    assert "server_side_binding" not in sqlite["database_options"]
