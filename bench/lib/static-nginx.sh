# Sourced by the benchmark scripts: Debian's nginx serving a directory as static files,
# configured as in production (sendfile, keep-alive), and the helpers the scripts share.
#   static_nginx DIR PORT ROOT [WORKERS]   writes DIR/nginx.conf, starts nginx, stops it on exit
#                                         (STATIC_NGINX_EXTRA: more http-level directives;
#                                         SERVER_CPU: the CPU its processes are pinned to)
#   rps URL [THREADS] [CONNECTIONS]       wrk's requests per second over $seconds s (WRK_CPU:
#                                         the CPU wrk is pinned to)
#   median V…                             the middle value
#   ratio A B                             A/B with three decimals
#   rps_and_cpu URL THREADS CONNS PID…    "REQS_PER_S CPU_US": wrk's figure, and the CPU time the
#                                         processes PID… used per request meanwhile (/proc/PID/stat)
#   static_nginx_workers                  the pids of the running static nginx's workers

need_nginx_and_wrk() {
  command -v nginx >/dev/null && command -v wrk >/dev/null && return
  echo "$(basename "$0"): installing nginx-light and wrk" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light wrk >/dev/null
}

static_nginx() {
  local dir=$1 port=$2 root=$3 workers=${4:-1}
  mkdir -p "$dir"
  cat > "$dir/nginx.conf" <<CONF
worker_processes $workers;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 8192; }
http {
  access_log off;
  sendfile on; tcp_nopush on; tcp_nodelay on;
  ${STATIC_NGINX_EXTRA:-}
  keepalive_requests 1000000;
  types { application/vnd.apple.mpegurl m3u8; application/dash+xml mpd; video/iso.segment m4s; video/mp2t ts; text/plain txt; }
  default_type text/plain;
  server { listen 127.0.0.1:$port reuseport; root $root; }
}
CONF
  ${SERVER_CPU:+taskset -c "$SERVER_CPU"} nginx -c "$dir/nginx.conf"
  STATIC_NGINX_CONF="$dir/nginx.conf"
}

stop_static_nginx() { [ -n "${STATIC_NGINX_CONF:-}" ] && nginx -c "$STATIC_NGINX_CONF" -s stop 2>/dev/null || true; }

rps() { ${WRK_CPU:+taskset -c "$WRK_CPU"} wrk -t"${2:-1}" -c"${3:-32}" -d"${seconds:-5}s" ${WRK_HEADER:+-H "$WRK_HEADER"} "$1" | awk '/Requests\/sec/ {print $2}'; }

process_ticks() {  # PID…: user + system clock ticks so far, all threads
  local t=0 p f
  for p in "$@"; do
    read -r -a f < <(sed 's/^.*) //' "/proc/$p/stat")
    t=$((t + f[11] + f[12]))
  done
  echo "$t"
}

rps_and_cpu() {
  local url=$1 threads=$2 conns=$3 before after r
  shift 3
  before=$(process_ticks "$@")
  r=$(rps "$url" "$threads" "$conns")
  after=$(process_ticks "$@")
  python3 -c "r = float('$r' or 0); print(r, round(($after - $before) * 1e6 / $(getconf CLK_TCK) / max(r * ${seconds:-5}, 1), 1))"
}

static_nginx_workers() { pgrep -P "$(cat "$(dirname "$STATIC_NGINX_CONF")/nginx.pid")"; }

median() { printf "%s\n" "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

ratio() { python3 -c "print(f'{$1/$2:.3f}')"; }
