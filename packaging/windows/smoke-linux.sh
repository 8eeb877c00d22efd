#!/usr/bin/env bash
# Linux smoke test of the MSI source; it does not replace a build on Windows.
#
#   packaging/windows/smoke-linux.sh [DIST_DIR] [OUT_DIR]
#
# 1. harvests the PyInstaller onedir build (default /tmp/vs-dist/videoschalter-clerk),
# 2. compiles videoschalter-clerk.wxs with msitools' wixl (Debian package "wixl"),
#    with WIXL defined: wixl has no launch conditions, component conditions, IniFile or RemoveFile,
# 3. if Wine is installed (Debian "wine"), adds those parts (except the launch condition) to a copy of the MSI
#    with msibuild (the rows WiX's light would write) and checks with Wine's msiexec:
#    install with SERVERURL writes the .ini and the registry value; an upgrade
#    without SERVERURL keeps the address; uninstall leaves nothing behind.
# Wine's Windows Installer is a reimplementation: a pass here is a good sign, not proof.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
DIST="$(cd "${1:-/tmp/vs-dist/videoschalter-clerk}" && pwd)"
OUT="${2:-/tmp/vs-msi}"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
URL="https://buergerbuero.example.de"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
VERSION="$("$PY" -c "import re,sys; print(re.search(r'__version__\s*=\s*\"([0-9.]+)', open(sys.argv[1]).read()).group(1))" "$ROOT/videoschalter/__init__.py")"
EXE="$(basename "$DIST")"            # on Linux the executable has no .exe
pass=0; fail=0
check() {  # check NAME COMMAND...
    if "${@:2}"; then echo "ok   $1"; pass=$((pass + 1)); else echo "FAIL $1"; fail=$((fail + 1)); fi
}

"$PY" "$HERE/harvest.py" "$DIST" "$OUT/ClerkFiles.wxs"

build() {  # build VERSION OUT.msi -- wixl resolves Source paths relative to the current folder only
    (cd "$(dirname "$DIST")" && wixl -a x64 -D WIXL=1 -D "Version=$1" -D "DistDir=$(basename "$DIST")" \
        -D "ExeSource=$(basename "$DIST")/$EXE" -o "$2" "$HERE/videoschalter-clerk.wxs" "$OUT/ClerkFiles.wxs" \
        2> >(grep -v -e "has no property named" -e "builder.vala:699: unimplemented" -e '^$' >&2))
}
start=$(date +%s)
build "$VERSION" "$OUT/videoschalter-clerk.msi"
echo "wixl: $OUT/videoschalter-clerk.msi ($(du -h "$OUT/videoschalter-clerk.msi" | cut -f1), $(( $(date +%s) - start )) s)"

tables="$(msiinfo tables "$OUT/videoschalter-clerk.msi")"
files_in_dist=$(find "$DIST" -type f -o -type l | wc -l)
files_in_msi=$(msiinfo export "$OUT/videoschalter-clerk.msi" File | tail -n +4 | wc -l)
check "every file of the build is in the MSI ($files_in_msi)" test "$files_in_dist" -eq "$files_in_msi"
check "Start-menu shortcut" grep -q ProgramMenuFolder <(msiinfo export "$OUT/videoschalter-clerk.msi" Shortcut)
check "SERVERURL remembered in HKLM" grep -q 'Software\\Videoschalter\\Clerk' <(msiinfo export "$OUT/videoschalter-clerk.msi" Registry)
check "upgrade code" grep -q '1C39E783-09E4-4739-A747-1A90A5DD5440' <(msiinfo export "$OUT/videoschalter-clerk.msi" Upgrade)
check "ALLUSERS=1 (per machine)" grep -q $'^ALLUSERS\t1' <(msiinfo export "$OUT/videoschalter-clerk.msi" Property)
for t in File Component Directory Shortcut Registry CustomAction AppSearch RegLocator Upgrade; do
    grep -qx "$t" <<<"$tables" || { echo "FAIL table $t missing"; fail=$((fail + 1)); }
done

if command -v wine >/dev/null && command -v msibuild >/dev/null; then
    add_wix_only_parts() {  # what candle/light make of the parts hidden from wixl by WIXL
        local m="$1"
        msibuild "$m" -q "UPDATE Component SET Condition = 'SERVERURL' WHERE Component = 'ServerIni'"
        msibuild "$m" -q "CREATE TABLE IniFile (IniFile CHAR(72) NOT NULL, FileName CHAR(255) NOT NULL LOCALIZABLE, DirProperty CHAR(72), Section CHAR(96) NOT NULL LOCALIZABLE, \`Key\` CHAR(128) NOT NULL LOCALIZABLE, Value CHAR(255) NOT NULL LOCALIZABLE, Action INT NOT NULL, Component_ CHAR(72) NOT NULL PRIMARY KEY IniFile)"
        msibuild "$m" -q "INSERT INTO IniFile (IniFile, FileName, DirProperty, Section, \`Key\`, Value, Action, Component_) VALUES ('ServerIni', 'vsclerk.ini|videoschalter-clerk.ini', 'INSTALLDIR', 'videoschalter', 'server', '[SERVERURL]', 0, 'ServerIni')"
        msibuild "$m" -q "INSERT INTO RemoveFile (FileKey, Component_, FileName, DirProperty, InstallMode) VALUES ('RemoveServerIni', 'ServerIni', 'vsclerk.ini|videoschalter-clerk.ini', 'INSTALLDIR', 2)"
        msibuild "$m" -q "INSERT INTO InstallExecuteSequence (Action, Sequence) VALUES ('RemoveIniValues', 3100)"
        msibuild "$m" -q "INSERT INTO InstallExecuteSequence (Action, Sequence) VALUES ('WriteIniValues', 5100)"
        msibuild "$m" -q "UPDATE Property SET Value = 'REMEMBERED_SERVERURL;SERVERURL;WIX_DOWNGRADE_DETECTED;WIX_UPGRADE_DETECTED' WHERE Property = 'SecureCustomProperties'"
    }
    cp "$OUT/videoschalter-clerk.msi" "$OUT/wine-1.msi"
    add_wix_only_parts "$OUT/wine-1.msi"
    # A newer version for the upgrade: Windows Installer compares only the first three fields.
    build "$(awk -F. '{printf "%d.%d.%d", $1, $2, $3 + 1}' <<<"$VERSION")" "$OUT/wine-2.msi"
    add_wix_only_parts "$OUT/wine-2.msi"

    export WINEPREFIX="$OUT/wineprefix" WINEDEBUG=-all WINEARCH=win64
    rm -rf "$WINEPREFIX"
    wineboot -i >/dev/null 2>&1
    dir="$WINEPREFIX/drive_c/Program Files/Videoschalter Clerk"
    ini="$dir/videoschalter-clerk.ini"
    reg_url() { wine reg query 'HKLM\Software\Videoschalter\Clerk' /v ServerUrl 2>/dev/null | tr -d '\r' | awk '/ServerUrl/ {print $3}'; }
    ini_url() { "$PY" -c "import sys; sys.path.insert(0, sys.argv[1]); import clerk_launcher as c; from pathlib import Path; print(c.read_ini(Path(sys.argv[2])).get('server', ''))" "$HERE/.." "$ini"; }

    check "wine: silent install with SERVERURL" wine msiexec /i "$OUT/wine-1.msi" "SERVERURL=$URL" /qn /l*v "$OUT/install.log"
    check "wine: files installed" test -f "$dir/$EXE.exe" -a -d "$dir/_internal"
    check "wine: launcher reads SERVERURL from the .ini" test "$(ini_url)" = "$URL"
    check "wine: SERVERURL remembered in the registry" test "$(reg_url)" = "$URL"
    lnk() { find "$WINEPREFIX/drive_c" -name 'Videoschalter Sachbearbeitung.lnk'; }
    check "wine: Start-menu shortcut" test -n "$(lnk)"
    check "wine: upgrade without SERVERURL" wine msiexec /i "$OUT/wine-2.msi" /qn /l*v "$OUT/upgrade.log"
    check "wine: upgrade kept the server address" test "$(ini_url)" = "$URL"
    check "wine: one installed product after upgrade" \
        test "$(wine reg query 'HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall' 2>/dev/null | grep -c '{')" -eq 1
    check "wine: uninstall" wine msiexec /x "$OUT/wine-2.msi" /qn /l*v "$OUT/uninstall.log"
    check "wine: nothing left in Program Files" test ! -e "$dir"
    check "wine: registry value removed" test -z "$(reg_url)"
    check "wine: shortcut removed" test -z "$(lnk)"
    check "wine: install without SERVERURL writes no .ini" wine msiexec /i "$OUT/wine-1.msi" /qn
    check "wine: ... and no .ini is there" test ! -e "$ini"
    wine msiexec /x "$OUT/wine-1.msi" /qn || true
    wineserver -k || true
else
    echo "skip Wine checks (apt-get install wine msitools)"
fi
echo "$pass passed, $fail failed"
test "$fail" -eq 0
