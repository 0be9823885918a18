#!/usr/bin/env bash
# Installs the .deb into a fresh Debian 12 chroot (debootstrap) the way an image build
# would, and checks it: the files and the kiosk user are in place, the right units are
# enabled, `systemd-analyze verify` accepts every unit, the first-boot key maker seals a
# key (and never replaces one, nor makes one for an existing database), systemd unseals
# it to the key the kiosk reads, the kiosk renders every language on the bare image
# (bundled fonts), `doctor` runs; then `systemd-analyze security` of each kiosk unit.
# Usage: packaging/verify-deb.sh [path/to/checkin-kiosk_*.deb]   (as root)
set -euo pipefail
cd "$(dirname "$0")/.."

deb=${1:-$(ls -t target/debian/checkin-kiosk_*.deb 2>/dev/null | head -n 1)}
[ -f "$deb" ] || { echo "no package: run packaging/build-deb.sh first" >&2; exit 1; }
root=${CHECKIN_KIOSK_CHROOT:-/var/tmp/checkin-kiosk-bookworm}
out=target/verify-deb
mkdir -p "$out"

scripts/install-system-packages.sh packaging
if [ ! -x "$root/usr/bin/apt-get" ]; then
  echo "== debootstrap bookworm into $root"
  debootstrap --include=systemd,systemd-sysv,libpam-systemd,dbus,adduser,ca-certificates \
    bookworm "$root" http://deb.debian.org/debian
fi
cp /etc/resolv.conf "$root/etc/resolv.conf"
mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
trap 'umount "$root/proc" 2>/dev/null || true' EXIT
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }
step() { echo; echo "== $*"; }
fail() { echo "FAILED: $*" >&2; exit 1; }

step "install $(basename "$deb") (apt resolves its dependencies; recommends: cage)"
in_root apt-get -qq update
in_root dpkg --purge checkin-kiosk >/dev/null 2>&1 || true
rm -f "$root/etc/checkin-kiosk/db-key.cred" "$root/var/lib/checkin-kiosk/kiosk.db"
cp "$deb" "$root/tmp/checkin-kiosk.deb"
DEBIAN_FRONTEND=noninteractive in_root apt-get install -y -qq /tmp/checkin-kiosk.deb >"$out/apt.log" 2>&1 ||
  { tail -20 "$out/apt.log"; fail "apt-get install"; }
in_root dpkg-query -W -f='${Package} ${Version} ${Architecture}: ${Status}\n' checkin-kiosk

step "files"
for f in /usr/bin/checkin-kiosk /usr/lib/checkin-kiosk/make-db-key \
  /etc/checkin-kiosk/kiosk.toml /etc/pam.d/checkin-kiosk \
  /lib/systemd/system/checkin-kiosk.service /lib/systemd/system/checkin-kiosk-cage.service \
  /lib/systemd/system/checkin-kiosk-keygen.service \
  /usr/share/doc/checkin-kiosk/README.packaging.md /usr/bin/cage; do
  [ -e "$root$f" ] || fail "$f is missing"
  echo "ok $f"
done
in_root checkin-kiosk --version

step "user and enabled units"
in_root id checkin-kiosk
for u in checkin-kiosk.service checkin-kiosk-keygen.service; do
  [ -L "$root/etc/systemd/system/multi-user.target.wants/$u" ] || fail "$u is not enabled"
  echo "enabled $u"
done
[ ! -e "$root/etc/systemd/system/multi-user.target.wants/checkin-kiosk-cage.service" ] ||
  fail "the cage unit is enabled next to the direct one"
echo "not enabled checkin-kiosk-cage.service (IT's alternative)"

step "systemd-analyze verify"
in_root systemd-analyze verify /lib/systemd/system/checkin-kiosk.service \
  /lib/systemd/system/checkin-kiosk-cage.service /lib/systemd/system/checkin-kiosk-keygen.service \
  2>&1 | tee "$out/verify.log"
# verify prints problems and may exit 0; anything naming our units is a failure.
if grep -i "checkin-kiosk" "$out/verify.log"; then fail "systemd-analyze verify complained"; fi
echo "verify: no complaints"

step "first-boot key"
in_root /usr/lib/checkin-kiosk/make-db-key
cred=$root/etc/checkin-kiosk/db-key.cred
stat -c '%a %U %n' "$cred"
[ "$(stat -c %a "$cred")" = 600 ] || fail "the sealed key is not 0600"
before=$(sha256sum <"$cred")
in_root /usr/lib/checkin-kiosk/make-db-key
[ "$before" = "$(sha256sum <"$cred")" ] || fail "a second run replaced the key"
if grep -aqE '^[0-9a-f]{64}$' "$cred"; then fail "the key is stored unsealed"; fi
# What systemd does for LoadCredentialEncrypted=db-key:...: unseal into the credentials dir.
mkdir -p "$root/run/credentials/checkin-kiosk.service"
in_root systemd-creds decrypt --name=db-key /etc/checkin-kiosk/db-key.cred \
  /run/credentials/checkin-kiosk.service/db-key
grep -qE '^[0-9a-f]{64}$' "$root/run/credentials/checkin-kiosk.service/db-key" ||
  fail "the unsealed key is not 64 hex digits"
echo "unsealed: 64 hex digits"
mv "$cred" "$cred.kept"
touch "$root/var/lib/checkin-kiosk/kiosk.db" 2>/dev/null || { mkdir -p "$root/var/lib/checkin-kiosk"; touch "$root/var/lib/checkin-kiosk/kiosk.db"; }
if in_root /usr/lib/checkin-kiosk/make-db-key 2>"$out/keygen-refusal.log"; then
  fail "a key was made for an existing database"
fi
cat "$out/keygen-refusal.log"
rm "$root/var/lib/checkin-kiosk/kiosk.db"
mv "$cred.kept" "$cred"

step "the kiosk on the bare image: doctor with the unsealed key, renders in every language"
kiosk_env=(CHECKIN_KIOSK_DATABASE__KEY_FILE=/run/credentials/checkin-kiosk.service/db-key
  CHECKIN_KIOSK_DATA_DIR=/var/lib/checkin-kiosk)
in_root "${kiosk_env[@]}" checkin-kiosk doctor | tee "$out/doctor.log" || true
grep -q "database key:" "$out/doctor.log" || fail "doctor did not check the key"
if grep "database key:" "$out/doctor.log" | grep -qv "^ok"; then fail "doctor did not accept the key"; fi
rm -rf "$root/tmp/render"
in_root checkin-kiosk render --screen welcome,done --lang all --size 800x480 --out-dir /tmp/render
rm -rf "$out/render" && cp -r "$root/tmp/render" "$out/render"
ls "$out/render"

step "systemd-analyze security (offline, as installed)"
for u in checkin-kiosk.service checkin-kiosk-cage.service; do
  in_root systemd-analyze security --offline=true "/lib/systemd/system/$u" >"$out/security-$u.log" 2>&1 || true
  grep -i "overall exposure" "$out/security-$u.log" || { cat "$out/security-$u.log"; fail "no exposure level for $u"; }
done
echo
echo "verify-deb: all checks passed (logs and renders in $out/)"
