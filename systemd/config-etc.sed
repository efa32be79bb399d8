# Turns the repository's config.toml into /etc/caci-watch/config.toml for the systemd
# unit: the database moves to the unit's StateDirectory (/var/lib/caci-watch), because
# /etc is read-only to the service (ProtectSystem=strict). Everything else stays
# relative to /etc/caci-watch, so watchlists are /etc/caci-watch/watchlists.
# Only the `path` key inside [store] is touched. Used by systemd/README.md and
# tests/runtime/test_systemd_unit.py, which keeps the two in step.
/^\[store\]/,/^\[/ s|^path *=.*|path = "/var/lib/caci-watch/caci-watch.sqlite3"|
