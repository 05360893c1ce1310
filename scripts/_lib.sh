# Shared set-up for scripts/demo and scripts/test: a Python >= 3.11, the project's own virtual
# environment (.venv, created or reused), and the system libraries Qt needs.
# Sourced, not run. Every failure prints the exact line to run, then exits non-zero.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${ITSME_DEBUGGER_VENV:-$ROOT/.venv}"

say() { printf '%s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

am_root_with_apt() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; }

apt_install() {
  # apt_install PKG...: install Debian packages when we can, else print the line to run.
  if am_root_with_apt; then
    say "Installing system packages: $*"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
      || die "apt-get could not install: $*"
  else
    say "Missing system packages. Run this, then try again:"
    say "  sudo apt-get install -y $*"
    exit 1
  fi
}

find_python() {
  local py
  for py in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [ -n "$py" ] || continue
    command -v "$py" >/dev/null 2>&1 || continue
    if "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$py"; return 0
    fi
  done
  return 1
}

ensure_venv() {
  # ensure_venv EXTRAS: create or reuse $VENV and install the project (editable) with EXTRAS.
  local extras="$1" py stamp want
  if [ ! -x "$VENV/bin/python" ]; then
    py="$(find_python)" || { say "Python 3.11 or newer is needed."; apt_install python3 python3-venv; py="$(find_python)" || die "no Python >= 3.11"; }
    if ! "$py" -m venv "$VENV" >/dev/null 2>&1; then
      rm -rf "$VENV"
      local ver; ver="$("$py" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
      apt_install "python${ver}-venv"
      "$py" -m venv "$VENV" || die "could not create $VENV"
    fi
  fi
  stamp="$VENV/.itsme-debugger-installed"
  local hash; hash="$(sha256sum < "$ROOT/pyproject.toml" | cut -c1-16)"
  want="$hash-$extras"
  local have; have="$(cat "$stamp" 2>/dev/null || true)"
  # A venv set up for the tests also serves the app.
  if [ "$have" != "$want" ] && ! { [ -z "$extras" ] && [ "$have" = "$hash-test" ]; }; then
    say "Installing itsme-debugger and its dependencies into $VENV ..."
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e "$ROOT${extras:+[$extras]}" \
      || die "pip install failed (see above)"
    echo "$want" > "$stamp"
  fi
}

# Qt's needs: offscreen (tests) and, on a real screen or under Xvfb, the xcb platform.
QT_OFFSCREEN_LIBS="libglib-2.0.so.0:libglib2.0-0 libGL.so.1:libgl1 libEGL.so.1:libegl1 libxkbcommon.so.0:libxkbcommon0 libfontconfig.so.1:libfontconfig1 libdbus-1.so.3:libdbus-1-3"
QT_XCB_LIBS="libxcb-cursor.so.0:libxcb-cursor0 libxcb-icccm.so.4:libxcb-icccm4 libxcb-image.so.0:libxcb-image0 libxcb-keysyms.so.1:libxcb-keysyms1 libxcb-render-util.so.0:libxcb-render-util0 libxcb-shape.so.0:libxcb-shape0 libxkbcommon-x11.so.0:libxkbcommon-x11-0"

have_lib() {
  if command -v ldconfig >/dev/null 2>&1 || [ -x /sbin/ldconfig ]; then
    { ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null; } | grep -q "$1"
  else
    ls /usr/lib/*/"$1" /usr/lib/"$1" /lib/*/"$1" >/dev/null 2>&1
  fi
}

ensure_qt_libs() {
  # ensure_qt_libs offscreen|xcb|xvfb
  local mode="$1" spec missing=() list="$QT_OFFSCREEN_LIBS"
  [ "$mode" = offscreen ] || list="$list $QT_XCB_LIBS"
  for spec in $list; do
    have_lib "${spec%%:*}" || missing+=("${spec##*:}")
  done
  if [ "$mode" = xvfb ]; then
    command -v Xvfb >/dev/null 2>&1 || missing+=(xvfb)
    command -v xauth >/dev/null 2>&1 || missing+=(xauth)
  fi
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
}
