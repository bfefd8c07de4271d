"""Settings refuse unsafe values in production, naming the variable."""

import pytest
from pydantic import ValidationError

from backend.settings import Settings


@pytest.mark.parametrize("secret", ["", "changeme", "dev-insecure-secret", "short-but-random"])
def test_production_refuses_placeholder_secret(monkeypatch: pytest.MonkeyPatch, secret: str) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/d")
    monkeypatch.setenv("AUTH_SECRET", secret)
    with pytest.raises(ValidationError, match="AUTH_SECRET"):
        Settings()


def test_development_allows_the_dev_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "development")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/d")
    monkeypatch.delenv("AUTH_SECRET", raising=False)
    assert Settings().AUTH_SECRET.get_secret_value() == "dev-insecure-secret"
