#!/usr/bin/env bash
# Demo on a fresh Debian 12: installs the packages, builds automx2-fcgi, runs it under
# spawn-fcgi behind nginx (packaging/nginx/automx2.conf) on http://127.0.0.1:8080/,
# loads the sample data and prints requests to try. Ctrl-C stops everything.
# State lives in run/demo/ (config, SQLite database, socket, logs).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PORT=${PORT:-8080}
DEMO="$ROOT/run/demo"
BUILD="$ROOT/build"

if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi

echo "== packages"
# What the build needs, and what the demo runs (the test suite needs more).
mapfile -t PKGS < <(grep -hv '^[[:space:]]*\(#\|$\)' packaging/build-depends.txt |
                    awk '{print $1}'; printf '%s\n' nginx spawn-fcgi curl sqlite3)
MISSING=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || MISSING+=("$p")
done
if [ "${#MISSING[@]}" -gt 0 ]; then
    echo "installing: ${MISSING[*]}"
    # Keep the package from starting the system nginx on port 80.
    POLICY=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee /usr/sbin/policy-rc.d >/dev/null
        "${SUDO[@]}" chmod 755 /usr/sbin/policy-rc.d
        POLICY=1
    fi
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        --no-install-recommends "${MISSING[@]}" || { [ $POLICY -eq 1 ] &&
        "${SUDO[@]}" rm -f /usr/sbin/policy-rc.d; exit 1; }
    if [ $POLICY -eq 1 ]; then "${SUDO[@]}" rm -f /usr/sbin/policy-rc.d; fi
else
    echo "all installed"
fi

echo "== build ($BUILD)"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target automx2-fcgi

echo "== run/demo"
mkdir -p "$DEMO/nginx"
rm -f "$DEMO/automx2.sock"
cat >"$DEMO/automx2.conf" <<CONF
[automx2]
loglevel = INFO
db_uri = sqlite:///$DEMO/automx2.sqlite
proxy_count = 0
initdb_allowed_from = 127.0.0.1, ::1
CONF
cp /etc/nginx/fastcgi_params "$DEMO/nginx/fastcgi_params"
# The sample as shipped, with only the listen port and the socket path changed.
sed -e "s|listen 80;|listen 127.0.0.1:$PORT;|" \
    -e "s|listen \[::\]:80;|# (IPv6 listener left out in the demo)|" \
    -e "s|unix:/run/automx2/automx2.sock|unix:$DEMO/automx2.sock|" \
    packaging/nginx/automx2.conf >"$DEMO/nginx/automx2.conf"
USER_LINE=""
# As root, nginx workers would run as nobody and could not reach the socket.
if [ "$(id -u)" -eq 0 ]; then USER_LINE="user root root;"; fi
cat >"$DEMO/nginx/nginx.conf" <<CONF
$USER_LINE
worker_processes 1;
daemon off;
pid $DEMO/nginx/nginx.pid;
error_log $DEMO/nginx-error.log info;
events { worker_connections 256; }
http {
    access_log $DEMO/nginx-access.log;
    client_body_temp_path $DEMO/nginx/client_body_temp;
    fastcgi_temp_path $DEMO/nginx/fastcgi_temp;
    proxy_temp_path $DEMO/nginx/proxy_temp;
    uwsgi_temp_path $DEMO/nginx/uwsgi_temp;
    scgi_temp_path $DEMO/nginx/scgi_temp;
    default_type application/octet-stream;
    include $DEMO/nginx/automx2.conf;
}
CONF

PIDS=()
stop_all() {
    trap - INT TERM EXIT
    echo
    echo "== stopping"
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -f "$DEMO/automx2.sock"
    echo "stopped (logs in run/demo/)"
}
trap 'stop_all; exit 130' INT TERM
trap stop_all EXIT

echo "== starting automx2-fcgi (spawn-fcgi) and nginx on 127.0.0.1:$PORT"
spawn-fcgi -n -s "$DEMO/automx2.sock" -M 0660 -- "$BUILD/automx2-fcgi" \
    --config "$DEMO/automx2.conf" 2>>"$DEMO/service.log" &
PIDS+=($!)
nginx -p "$DEMO/nginx/" -c "$DEMO/nginx/nginx.conf" -e "$DEMO/nginx-error.log" &
PIDS+=($!)

BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 100); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/" || true)
    if [ "$code" = 200 ]; then break; fi
    sleep 0.1
done
if [ "${code:-}" != 200 ]; then
    echo "the service did not come up; see run/demo/service.log and nginx-error.log" >&2
    tail -n 20 "$DEMO/service.log" "$DEMO/nginx-error.log" >&2 || true
    exit 1
fi

echo "== loading the sample data"
curl -s "$BASE/initdb/"
echo

cat <<TRY

Running on $BASE (logs: run/demo/service.log). Try:

  # Thunderbird Autoconfig
  curl -s '$BASE/mail/config-v1.1.xml?emailaddress=alice@example.com'

  # Outlook Autodiscover
  curl -s -H 'Content-Type: text/xml' --data-binary '<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>alice@example.com</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>' '$BASE/autodiscover/autodiscover.xml'

  # Apple Mobileconfig (POP account of other.example)
  curl -s -D - '$BASE/mobileconfig/?emailaddress=bob@other.example&name=Bob'

  # Unknown domain (204), bad address (400), invalid server in the data (400)
  curl -si '$BASE/mail/config-v1.1.xml?emailaddress=x@unknown.example' | head -1
  curl -si '$BASE/mail/config-v1.1.xml?emailaddress=no-at-sign' | head -1
  curl -si '$BASE/mail/config-v1.1.xml?emailaddress=x@broken.example' | head -1

Press Ctrl-C to stop.
TRY
# Until Ctrl-C, or until either process ends (the EXIT trap then stops the other).
wait -n || true
