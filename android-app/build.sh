#!/usr/bin/env bash
# Offline build of pushlab's companion apps, without Gradle or Google's Maven:
# aapt (Debian) -> javac --release 8 against android-all (Maven Central)
# -> dx (Maven Central) -> zipalign -> apksigner with a generated debug key.
#
#   android-app/build.sh          build both APKs, check them, run the Java tests
#   android-app/build.sh apks     build build/agent.apk and build/demo.apk
#   android-app/build.sh check    verify signatures, alignment, badging, dex classes
#   android-app/build.sh core     compile the plain-Java core (and its JVM probe) to build/core/classes
#   android-app/build.sh test     run the core's JUnit tests against fixtures/
#
# The four Maven Central jars are resolved by Maven itself (the pinned
# maven-dependency-plugin's `copy` goal), so the user's settings.xml (mirrors,
# proxies, local repository) applies; each is checked against the SHA-256
# pinned below. They are cached in $PUSHLAB_ANDROID_CACHE (default
# ~/.cache/pushlab-android) and never committed; build/ is git-ignored.
# Extra Maven options (e.g. `-s my-settings.xml`) go in $PUSHLAB_MVN_ARGS.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
BUILD="$HERE/build"
CACHE="${PUSHLAB_ANDROID_CACHE:-$HOME/.cache/pushlab-android}"
FRAMEWORK_RES="${FRAMEWORK_RES:-/usr/share/android-framework-res/framework-res.apk}"
MIN_SDK=26
TARGET_SDK=33

# group:artifact:version and the SHA-256 of each jar.
ANDROID_ALL="org.robolectric:android-all:13-robolectric-9030017"
ANDROID_ALL_SHA256=6e67dca81d30295e31ee6a28cfb601b6b66aaeaee51a92386ed099a64cea5996
DX="com.jakewharton.android.repackaged:dalvik-dx:16.0.1"
DX_SHA256=1e4b645628e3bdb097b5331d669e177ef235a551582a8c646dbe36865e541907
JUNIT="junit:junit:4.13.2"
JUNIT_SHA256=8e495b634469d64fb8acfa3495a065cbacc8a0fff55ce1e31007be4c16dc57d3
HAMCREST="org.hamcrest:hamcrest-core:1.3"
HAMCREST_SHA256=66fdef91e9739348df7a096aa384a5685f4e875584cce89386a7a47251c4d8e9
# Pinned so that the copy behaves the same on every machine.
COPY_GOAL="org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy"

die() { echo "build.sh: $*" >&2; exit 1; }

need() {
  for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 || die "missing tool '$t' (run scripts/setup-test-deps.sh)"
  done
}

# Resolves a Maven Central jar (group:artifact:version) once through Maven,
# from the local repository if it is there (offline), else from the
# repositories settings.xml names; prints the cached jar's path. A jar whose
# SHA-256 is not the pinned one is refused and removed.
fetch() {
  local coords="$1" want="$2"
  local artifact version dest
  artifact="$(cut -d: -f2 <<<"$coords")"
  version="$(cut -d: -f3 <<<"$coords")"
  dest="$CACHE/$artifact-$version.jar"
  if [ ! -s "$dest" ] || [ "$(sha256sum "$dest" | cut -d' ' -f1)" != "$want" ]; then
    need mvn sha256sum
    mkdir -p "$CACHE"
    rm -f "$dest"
    echo "build.sh: resolving $coords with Maven" >&2
    # shellcheck disable=SC2086
    local mvn_copy=(mvn -q -B ${PUSHLAB_MVN_ARGS:-} "$COPY_GOAL" "-Dartifact=$coords:jar"
      "-DoutputDirectory=$CACHE" -Dmdep.overWriteReleases=true)
    # Maven's own output is shown only when both attempts fail.
    local log="$CACHE/mvn-$artifact.log"
    if ! "${mvn_copy[@]}" -o >"$log" 2>&1 && ! "${mvn_copy[@]}" >"$log" 2>&1; then
      cat "$log" >&2
      die "Maven cannot resolve $coords"
    fi
    rm -f "$log"
    [ -s "$dest" ] || die "Maven left no $dest"
  fi
  local got
  got="$(sha256sum "$dest" | cut -d' ' -f1)"
  if [ "$got" != "$want" ]; then
    rm -f "$dest"
    die "checksum mismatch for $coords: want sha256 $want, got $got"
  fi
  echo "$dest"
}

core_sources() { find "$HERE/core/src/main/java" -name '*.java' | sort; }

# The version name: the release plus a digest of everything the APK is built
# from, so that `pushlab run --device adb:SERIAL` sees a rebuilt app as a new
# version and reinstalls it (the digest does not depend on the checkout's path).
VERSION_CODE=1
VERSION_RELEASE=0.1.0
version_name() {
  local digest
  digest="$(cd "$HERE" && find "$1/src/main" core/src/main -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-12)"
  echo "$VERSION_RELEASE+$digest"
}

build_core() {
  need javac
  rm -rf "$BUILD/core/classes"
  mkdir -p "$BUILD/core/classes"
  # shellcheck disable=SC2046
  javac --release 8 -Xlint:all -Werror -encoding UTF-8 -d "$BUILD/core/classes" $(core_sources) \
    $(find "$HERE/core/src/jvm/java" -name '*.java' | sort)
  echo "build.sh: core classes in $BUILD/core/classes"
}

keystore() {
  local ks="$BUILD/debug.keystore"
  if [ ! -f "$ks" ]; then
    need keytool
    mkdir -p "$BUILD"
    keytool -genkeypair -keystore "$ks" -storepass android -alias androiddebugkey -keypass android \
      -keyalg RSA -keysize 2048 -validity 10000 -dname "CN=Android Debug,O=Android,C=US" >/dev/null 2>&1 \
      || die "keytool failed"
  fi
  echo "$ks"
}

build_apk() {
  local app="$1" src="$HERE/$1/src/main" out="$BUILD/$1"
  local android_all dx ks
  android_all="$(fetch "$ANDROID_ALL" "$ANDROID_ALL_SHA256")"
  dx="$(fetch "$DX" "$DX_SHA256")"
  ks="$(keystore)"
  [ -f "$FRAMEWORK_RES" ] || die "missing $FRAMEWORK_RES (Debian package android-framework-res)"
  rm -rf "$out"
  mkdir -p "$out/gen" "$out/classes" "$out/dex" "$out/manifest"
  # 1. Resources, R.java and the binary manifest. The source manifest has no
  #    package or SDK levels (Gradle takes them from build.gradle); add them.
  sed 's|<manifest xmlns:android="http://schemas.android.com/apk/res/android">|<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="com.pushlab.'"$app"'">|' \
    "$src/AndroidManifest.xml" >"$out/manifest/AndroidManifest.xml"
  grep -q "package=\"com.pushlab.$app\"" "$out/manifest/AndroidManifest.xml" || die "$app: cannot set the package"
  aapt package -f -m -J "$out/gen" -M "$out/manifest/AndroidManifest.xml" -S "$src/res" -I "$FRAMEWORK_RES" \
    --min-sdk-version $MIN_SDK --target-sdk-version $TARGET_SDK --version-code $VERSION_CODE --version-name "$(version_name "$app")" \
    -F "$out/res.apk"
  # 2. Java 8 class files (dx reads no newer ones); the app's sources plus the shared core.
  # shellcheck disable=SC2046
  javac --release 8 -Xlint:all,-options,-deprecation,-classfile -Werror -encoding UTF-8 -cp "$android_all" \
    -d "$out/classes" $(find "$src/java" "$out/gen" -name '*.java' | sort) $(core_sources)
  # 3. Dalvik bytecode.
  java -cp "$dx" com.android.dx.command.Main --dex --min-sdk-version=$MIN_SDK \
    --output="$out/dex/classes.dex" "$out/classes"
  # 4. The dex into the package.
  cp "$out/res.apk" "$out/unsigned.apk"
  (cd "$out/dex" && aapt add "$out/unsigned.apk" classes.dex >/dev/null)
  # 5. Align, then sign (signing first would break v2/v3 signatures).
  zipalign -f -p 4 "$out/unsigned.apk" "$out/aligned.apk"
  apksigner sign --ks "$ks" --ks-pass pass:android --key-pass pass:android \
    --out "$BUILD/$app.apk" "$out/aligned.apk"
  rm -f "$BUILD/$app.apk.idsig"
  echo "build.sh: built $BUILD/$app.apk"
}

build_apks() {
  need aapt javac java zipalign apksigner keytool
  build_apk agent
  build_apk demo
}

expect() {
  # expect <what> <haystack> <needle>
  grep -qF -- "$3" <<<"$2" || die "$1: expected to find '$3'"
}

check_apk() {
  local name="$1" apk="$BUILD/$1.apk" pkg="$2" launchable="$3"
  shift 3
  [ -f "$apk" ] || die "missing $apk (run: android-app/build.sh apks)"
  apksigner verify "$apk" || die "$apk: signature does not verify"
  zipalign -c -p 4 "$apk" || die "$apk: not aligned"
  local badging dex tree
  badging="$(aapt dump badging "$apk")"
  expect "$name badging" "$badging" "package: name='$pkg'"
  expect "$name badging" "$badging" "targetSdkVersion:'33'"
  expect "$name badging" "$badging" "sdkVersion:'26'"
  expect "$name badging" "$badging" "launchable-activity: name='$launchable'"
  expect "$name badging" "$badging" "uses-permission: name='android.permission.POST_NOTIFICATIONS'"
  # targetSdk 30+ installs only with resources.arsc stored (and aligned, checked above).
  local listing
  listing="$(unzip -v "$apk" resources.arsc)"
  expect "$name resources.arsc" "$listing" " Stored "
  # No lambdas or indy string concatenation: ART is not given invoke-custom to run.
  local indy
  indy="$(dexdump -d "$apk" 2>/dev/null | grep -c "invoke-custom" || true)"
  [ "$indy" = "0" ] || die "$name: classes.dex uses invoke-custom (a lambda or Java 9+ string concatenation)"
  tree="$(aapt dump xmltree "$apk" AndroidManifest.xml)"
  dex="$(dexdump "$apk" 2>/dev/null | grep "Class descriptor" || true)"
  for cls in "$@"; do
    expect "$name dex" "$dex" "'L${cls//.//};'"
  done
  echo "$tree"
}

check_apks() {
  need apksigner zipalign aapt dexdump unzip
  local tree
  tree="$(check_apk agent com.pushlab.agent com.pushlab.agent.StatusActivity \
    com.pushlab.agent.AgentService com.pushlab.agent.RegisterReceiver com.pushlab.agent.CommandReceiver \
    com.pushlab.agent.ListenerService com.pushlab.agent.TapActivity com.pushlab.core.StreamLoop \
    com.pushlab.core.DisplayPlan com.pushlab.core.GatewayClient)"
  expect "agent manifest" "$tree" '"com.pushlab.agent.REGISTER"'
  expect "agent manifest" "$tree" '"com.pushlab.agent.COMMAND"'
  expect "agent manifest" "$tree" '"android.permission.BIND_NOTIFICATION_LISTENER_SERVICE"'
  tree="$(check_apk demo com.pushlab.demo com.pushlab.demo.SplashActivity \
    com.pushlab.demo.SplashActivity com.pushlab.demo.chat.ChatActivity com.pushlab.demo.PushReceiver \
    com.pushlab.demo.DemoApp com.pushlab.core.ExtExtractor com.pushlab.core.ImClient)"
  for needle in '"pushscheme"' '"/detail"' '"com.pushlab.demo.OPEN_CHAT"' \
    '"com.xiaomi.mipush.RECEIVE_MESSAGE"' '"com.vivo.pushclient.action.RECEIVE"' \
    '"com.meizu.flyme.push.intent.MESSAGE"' '"com.huawei.push.action.MESSAGING_EVENT"' \
    '"com.google.android.c2dm.intent.RECEIVE"' '"com.pushlab.agent.TOKEN"'; do
    expect "demo manifest" "$tree" "$needle"
  done
  echo "build.sh: agent.apk and demo.apk verified (signature, alignment, stored resources.arsc, badging, manifest, dex classes, no invoke-custom)"
}

run_tests() {
  need javac java
  local junit hamcrest
  junit="$(fetch "$JUNIT" "$JUNIT_SHA256")"
  hamcrest="$(fetch "$HAMCREST" "$HAMCREST_SHA256")"
  build_core
  rm -rf "$BUILD/core/test-classes"
  mkdir -p "$BUILD/core/test-classes"
  # shellcheck disable=SC2046
  javac --release 8 -Xlint:all -Werror -encoding UTF-8 -cp "$BUILD/core/classes:$junit" \
    -d "$BUILD/core/test-classes" $(find "$HERE/core/src/test/java" -name '*.java' | sort)
  local classes
  classes="$(cd "$BUILD/core/test-classes" && find . -name '*Test.class' | sed 's|^\./||; s|\.class$||; s|/|.|g' | sort)"
  # shellcheck disable=SC2086
  java -Dpushlab.fixtures="$ROOT/fixtures" -cp "$BUILD/core/classes:$BUILD/core/test-classes:$junit:$hamcrest" \
    org.junit.runner.JUnitCore $classes
}

case "${1:-all}" in
  core) build_core ;;
  apks) build_apks ;;
  check) check_apks ;;
  test) run_tests ;;
  all) build_apks; check_apks; run_tests ;;
  *) die "usage: build.sh [all|apks|check|core|test]" ;;
esac
