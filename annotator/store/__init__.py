"""Storage: models, engines, migrations, backups and full-text search."""
