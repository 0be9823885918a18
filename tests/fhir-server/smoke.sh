#!/usr/bin/env bash
# Smoke test of the FHIR test peer and the fault proxy, with curl. Prints PASS/FAIL per check,
# exits non-zero on any failure, stops everything it started. Needs node >= 20 and curl.
set -uo pipefail
cd "$(dirname "$0")"
if [ ! -d node_modules/@medplum/fhir-router ]; then
  echo "installing (npm ci)..."
  npm ci --no-audit --no-fund --loglevel=error || { echo "FAIL npm ci"; exit 1; }
fi

TMP=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done; wait "${PIDS[@]}" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
FAILS=0
pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; FAILS=$((FAILS + 1)); }
check() { local name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }
# j FILE EXPR: evaluate a JS expression over the JSON in FILE (bound to `d`).
j() { node -e 'const d=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));const v=eval(process.argv[2]);console.log(typeof v==="object"?JSON.stringify(v):v)' "$1" "$2"; }

# start NAME OUTFILE CMD...: run in the background (pid kept for cleanup), wait for its
# LISTENING line, set URL. Not to be called in $(...): the pid would be lost with the subshell.
start() {
  local name=$1 out=$2; shift 2
  local t0; t0=$(date +%s%N)
  "$@" >"$out" 2>"$out.log" &
  PIDS+=($!)
  for _ in $(seq 1 300); do
    if grep -q '^LISTENING ' "$out" 2>/dev/null; then
      URL=$(awk '/^LISTENING /{print $2; exit}' "$out")
      echo "$name ready in $((($(date +%s%N) - t0) / 1000000)) ms: $URL"; return 0
    fi
    sleep 0.05
  done
  echo "FAIL $name did not start:"; cat "$out.log"; return 1
}

TODAY=$(date +%Y-%m-%d)
# req METHOD URL [BODY] [HEADER...]: body to $TMP/body, headers to $TMP/hdr, prints the status.
req() {
  local m=$1 u=$2 b=${3:-}; shift 3 2>/dev/null || shift $#
  local args=(-s -o "$TMP/body" -D "$TMP/hdr" -w '%{http_code}' -X "$m" -H 'Accept: application/fhir+json')
  [ -n "$b" ] && args+=(-H 'Content-Type: application/fhir+json' --data-binary "$b")
  for h in "$@"; do args+=(-H "$h"); done
  curl "${args[@]}" "$u"
}
uuid() { cat /proc/sys/kernel/random/uuid 2>/dev/null || node -p 'crypto.randomUUID()'; }
etag() { tr -d '\r' <"$TMP/hdr" | awk -F': ' 'tolower($1)=="etag"{print $2}'; }

run_checks() { # BASE LABEL RUN-ID
  local B=$1 L=$2 R=$3 s
  s=$(req GET "$B/metadata")
  check "[$L] metadata is an R4 CapabilityStatement" test "$s:$(j "$TMP/body" 'd.resourceType+" "+d.fhirVersion')" = "200:CapabilityStatement 4.0.1"

  local appt=() i PAT DOC W WA; PAT=$(uuid); DOC=$(uuid); W=$(uuid); WA=$(uuid)
  for i in 1 2 3; do appt+=("{\"fullUrl\":\"urn:uuid:$(uuid)\",\"resource\":{\"resourceType\":\"Appointment\",\"status\":\"booked\",
    \"start\":\"${TODAY}T$(printf %02d $((7 + i))):00:00Z\",\"end\":\"${TODAY}T$(printf %02d $((7 + i))):15:00Z\",\"participant\":[
    {\"actor\":{\"reference\":\"urn:uuid:$PAT\"},\"status\":\"accepted\"},{\"actor\":{\"reference\":\"urn:uuid:$DOC\"},\"status\":\"accepted\"}]},
    \"request\":{\"method\":\"POST\",\"url\":\"Appointment\"}}"); done
  local bundle="{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[
    {\"fullUrl\":\"urn:uuid:$PAT\",\"resource\":{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"Smoke\",\"given\":[\"Test\"]}]},\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}},
    {\"fullUrl\":\"urn:uuid:$DOC\",\"resource\":{\"resourceType\":\"Practitioner\",\"name\":[{\"family\":\"Doc\"}]},\"request\":{\"method\":\"POST\",\"url\":\"Practitioner\"}},
    $(IFS=,; echo "${appt[*]}")]}"
  s=$(req POST "$B" "$bundle"); [ -n "${DEBUG:-}" ] && cat "$TMP/body" >&2
  check "[$L] transaction creates Patient + Practitioner + 3 booked Appointments today" \
    test "$s:$(j "$TMP/body" 'd.type+" "+d.entry.map(e=>e.response.status).join(",")')" = "200:transaction-response 201,201,201,201,201"
  local apptId; apptId=$(j "$TMP/body" 'd.entry[2].response.location.split("/")[1]')

  s=$(req GET "$B/Appointment?date=$TODAY&_include=Appointment:patient&_include=Appointment:actor")
  check "[$L] search date=today with _include returns the Patient and Practitioner" test "$s:$(j "$TMP/body" \
    'const inc=d.entry.filter(e=>e.search?.mode==="include").map(e=>e.resource.resourceType);[inc.includes("Patient"),inc.includes("Practitioner"),d.entry.some(e=>e.resource.id==="'"$apptId"'")].join()')" = "200:true,true,true"

  local url="$B/Appointment?date=$TODAY&_count=2" seen=0 pages=0 total=0 next
  while [ -n "$url" ] && [ $pages -lt 20 ]; do
    s=$(req GET "$url"); [ "$s" = 200 ] || break
    pages=$((pages + 1)); total=$(j "$TMP/body" 'd.total')
    seen=$((seen + $(j "$TMP/body" '(d.entry??[]).filter(e=>e.search?.mode!=="include").length')))
    next=$(j "$TMP/body" '(d.link??[]).find(l=>l.relation==="next")?.url??""'); url=$next
  done
  check "[$L] _count=2 paging follows next links to all $total matches ($pages pages)" test "$s:$seen:$((pages > 1))" = "200:$total:1"

  local pat="{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"urn:checkin-kiosk:kiosk-1\",\"value\":\"abc-$R\"}],\"name\":[{\"family\":\"Walkin\"}]}"
  local s1 s2 id1 id2
  s1=$(req POST "$B/Patient" "$pat" "If-None-Exist: identifier=urn:checkin-kiosk:kiosk-1|abc-$R"); id1=$(j "$TMP/body" 'd.id')
  s2=$(req POST "$B/Patient" "$pat" "If-None-Exist: identifier=urn:checkin-kiosk:kiosk-1|abc-$R"); id2=$(j "$TMP/body" 'd.id')
  check "[$L] conditional create If-None-Exist: 201 then 200, same id" test "$s1:$s2:$id2" = "201:200:$id1"

  s=$(req GET "$B/Appointment/$apptId"); local v1; v1=$(etag)
  local a2; a2=$(j "$TMP/body" 'd.comment="first edit";d')
  s1=$(req PUT "$B/Appointment/$apptId" "$a2" "If-Match: $v1"); local v2; v2=$(etag)
  local a3; a3=$(j "$TMP/body" 'd.status="arrived";d')
  s2=$(req PUT "$B/Appointment/$apptId" "$a3" "If-Match: $v1")
  local s3; s3=$(req PUT "$B/Appointment/$apptId" "$a3" "If-Match: $v2")
  local st; st=$(j "$TMP/body" 'd.status')
  check "[$L] PUT arrived: stale If-Match -> 412, current -> 200" test "$s1:$s2:$s3:$st:$([ "$v1" != "$v2" ] && echo newer)" = "200:412:200:arrived:newer"

  local cur; cur=$(j "$TMP/body" 'd.meta.versionId')
  local tx; tx=$(V1=$v1 j "$TMP/body" '({resourceType:"Bundle",type:"transaction",entry:[{resource:{...d,status:"fulfilled"},
    request:{method:"PUT",url:"Appointment/"+d.id,ifMatch:process.env.V1}}]})')
  s1=$(req POST "$B" "$tx")
  req GET "$B/Appointment/$apptId" >/dev/null; local after; after=$(j "$TMP/body" 'd.status+" "+d.meta.versionId')
  check "[$L] PUT in a transaction with stale request.ifMatch -> 412, resource unchanged" test "$s1:$after" = "412:arrived $cur"

  local walkin="{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[
    {\"fullUrl\":\"urn:uuid:$W\",\"resource\":{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"urn:checkin-kiosk:kiosk-1\",\"value\":\"walkin-$R\"}],\"name\":[{\"family\":\"Walkin\"}]},
     \"request\":{\"method\":\"POST\",\"url\":\"Patient\",\"ifNoneExist\":\"identifier=urn:checkin-kiosk:kiosk-1|walkin-$R\"}},
    {\"fullUrl\":\"urn:uuid:$WA\",\"resource\":{\"resourceType\":\"Appointment\",\"status\":\"arrived\",\"identifier\":[{\"system\":\"urn:checkin-kiosk:kiosk-1\",\"value\":\"walkin-appt-$R\"}],
     \"start\":\"${TODAY}T12:00:00Z\",\"end\":\"${TODAY}T12:15:00Z\",\"participant\":[{\"actor\":{\"reference\":\"urn:uuid:$W\"},\"status\":\"accepted\"}]},
     \"request\":{\"method\":\"POST\",\"url\":\"Appointment\",\"ifNoneExist\":\"identifier=urn:checkin-kiosk:kiosk-1|walkin-appt-$R\"}}]}"
  s1=$(req POST "$B" "$walkin"); local r1; r1=$(j "$TMP/body" 'd.entry.map(e=>e.response.status+" "+e.response.location.split("/").slice(0,2).join("/")).join()')
  s2=$(req POST "$B" "$walkin"); local r2; r2=$(j "$TMP/body" 'd.entry.map(e=>e.response.status+" "+e.response.location.split("/").slice(0,2).join("/")).join()')
  req GET "$B/Patient?identifier=urn:checkin-kiosk:kiosk-1|walkin-$R" >/dev/null; local np; np=$(j "$TMP/body" 'd.total')
  req GET "$B/Appointment?identifier=urn:checkin-kiosk:kiosk-1|walkin-appt-$R" >/dev/null; local na; na=$(j "$TMP/body" 'd.total')
  check "[$L] transaction with request.ifNoneExist replayed twice creates one Patient (and one Appointment)" \
    test "$s1:$s2:${r1//201/X}:$np:$na" = "200:200:${r2//200/X}:1:1"

  local bad="{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[
    {\"resource\":{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"urn:checkin-kiosk:kiosk-1\",\"value\":\"atomic-$R\"}]},\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}},
    {\"resource\":{\"resourceType\":\"Appointment\",\"status\":\"booked\",\"start\":\"not-a-date\"},\"request\":{\"method\":\"POST\",\"url\":\"Appointment\"}}]}"
  s=$(req POST "$B" "$bad"); local oo; oo=$(j "$TMP/body" 'd.resourceType')
  req GET "$B/Patient?identifier=urn:checkin-kiosk:kiosk-1|atomic-$R" >/dev/null
  check "[$L] invalid transaction is refused with an OperationOutcome and stores nothing" test "$s:$oo:$(j "$TMP/body" 'd.total')" = "400:OperationOutcome:0"
}

start server "$TMP/server.out" node server.mjs --port 0 || exit 1; SERVER=$URL
run_checks "$SERVER" direct "r1-$$"

PORT_URL=${SERVER%/fhir/R4}
start "proxy (rate 0)" "$TMP/proxy.out" node fault-proxy.mjs --target "$PORT_URL" --port 0 --seed 7 --rate 0 || exit 1; PROXY=$URL
run_checks "$PROXY/fhir/R4" "via proxy" "r2-$$"
curl -s "$PROXY/__proxy/stats" >"$TMP/stats"
check "[via proxy] stats count the forwarded requests: $(cat "$TMP/stats")" test "$(j "$TMP/stats" 'd.requests>10 && d.forwarded===d.requests && d.delivered===d.requests')" = true

# Faults after upstream processing: every request faulted, resets and 500s only. Each POST is a
# fresh conditional create; the server must hold exactly one Patient per request the proxy
# forwarded, although the client never saw a success.
start "proxy (rate 1: reset, 500, truncated)" "$TMP/fp.out" node fault-proxy.mjs --target "$PORT_URL" --port 0 --seed 42 --rate 1 --faults reset,status500,truncated || exit 1; FP=$URL
codes=""; ok=0
for i in $(seq 1 12); do
  c=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$FP/fhir/R4/Patient" -H 'Content-Type: application/fhir+json' \
    -H "If-None-Exist: identifier=urn:checkin-kiosk:fault|f$i-$$" \
    --data-binary "{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"urn:checkin-kiosk:fault\",\"value\":\"f$i-$$\"}]}")
  rc=$?; codes+="$c"; [ $rc -ne 0 ] && codes+="(curl $rc)"; codes+=" "; [ $rc -eq 0 ] && [[ $c == 20? ]] && ok=$((ok + 1))
done
curl -s "$FP/__proxy/stats" >"$TMP/stats"
stored=0; for i in $(seq 1 12); do req GET "$SERVER/Patient?identifier=urn:checkin-kiosk:fault|f$i-$$" >/dev/null; stored=$((stored + $(j "$TMP/body" 'd.total'))); done
check "[faults] 12/12 requests faulted (client saw: $codes), $stored stored = faults after upstream; $(cat "$TMP/stats")" \
  test "$(j "$TMP/stats" 'd.faults.reset+d.faults.status500+d.faults.truncated')/$(j "$TMP/stats" 'd.faults_after_upstream')/$ok" = "12/$stored/0"

start "proxy (rate 1: 429, delay)" "$TMP/dp.out" node fault-proxy.mjs --target "$PORT_URL" --port 0 --seed 3 --rate 1 --faults status429,delay || exit 1; DP=$URL
for i in 1 2 3 4; do curl -s -o /dev/null -D "$TMP/h$i" -w '%{http_code} ' "$DP/fhir/R4/metadata"; done >"$TMP/codes"
curl -s "$DP/__proxy/stats" >"$TMP/stats"
ra=$(cat "$TMP"/h* | tr -d '\r' | grep -ci '^retry-after: 1$')
check "[faults] 429 carries Retry-After: 1, delays pass the answer on (codes: $(cat "$TMP/codes"))" \
  test "$(j "$TMP/stats" 'd.faults.status429+"/"+(d.faults.delay===d.delivered)')" = "$ra/true"

echo
if [ "$FAILS" -eq 0 ]; then echo "ALL PASS"; else echo "$FAILS FAILED"; exit 1; fi
