#!/usr/bin/env bash
# Installs the servers the source tests start themselves: OpenSSH sshd, vsftpd and openssl (apt, as root) and s3rver
# (npm, into tests/node); and what the console's browser tests use: Debian's chromium (apt) and axe-core (npm). PostgreSQL 15 is expected to be installed already. Idempotent and quick when
# everything is present. Exit code 0 when all is present afterwards.
set -uo pipefail
cd "$(dirname "$0")/.."

missing=()
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
[ -x /usr/sbin/vsftpd ] || missing+=(vsftpd)
command -v ssh-keygen >/dev/null 2>&1 || missing+=(openssh-client)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)   # the FTPS test's self-signed certificate
[ -x /usr/bin/chromium ] || missing+=(chromium)              # the console's browser tests (Playwright drives it)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing ${missing[*]} (apt)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
      || echo "warning: apt-get install ${missing[*]} failed" >&2
  else
    echo "warning: ${missing[*]} missing and not root (or no apt-get): those tests will skip" >&2
  fi
fi

if [ ! -x tests/node/node_modules/.bin/s3rver ] || [ ! -f tests/node/node_modules/axe-core/axe.min.js ]; then
  if command -v npm >/dev/null 2>&1; then
    echo "installing s3rver and axe-core (npm, into tests/node)" >&2
    (cd tests/node && npm install --no-audit --no-fund --loglevel=error >/dev/null) \
      || echo "warning: npm install (s3rver, axe-core) failed" >&2
  else
    echo "warning: npm missing: the S3 and console browser tests will skip" >&2
  fi
fi

ok=0
[ -x /usr/sbin/sshd ] || ok=1
[ -x /usr/sbin/vsftpd ] || ok=1
[ -x tests/node/node_modules/.bin/s3rver ] || ok=1
[ -x /usr/bin/chromium ] || ok=1
[ -f tests/node/node_modules/axe-core/axe.min.js ] || ok=1
exit $ok
