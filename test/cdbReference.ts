// Facts of ../shared/reference/cdb-stack.md ("Containers" and "Settings the
// services need"), kept as data so a test can compare the plan with them.
// Written from the reference by hand; the plan is derived separately.

export interface ReferenceContainer {
  port?: number;
  image?: string;
  /** Relative to the trading system's checkout. */
  build?: { context: string; dockerfile: string };
  /** Files under /run/secrets the container gets (all settings configured). */
  secrets: string[];
  /** Environment variables exported inside the process from those files. */
  exports?: string[];
  start?: string;
  /** Settings of dev.yml the services read (wiring and defaults). */
  env?: Record<string, string>;
}

const APP_ENV = { REDIS_HOST: "cdb_redis", POSTGRES_HOST: "cdb_postgres", POSTGRES_USER: "claire_user" };

export const REFERENCE_CONTAINERS: Record<string, ReferenceContainer> = {
  redis: { port: 6379, image: "redis:7.4-alpine", secrets: ["redis_password"] },
  postgres: { port: 5432, image: "postgres:15-alpine", secrets: ["postgres_password"], env: { POSTGRES_PASSWORD_FILE: "/run/secrets/postgres_password", POSTGRES_DB: "claire_de_binare" } },
  prometheus: { port: 9090, image: "prom/prometheus:v2.55.0", secrets: [] },
  grafana: {
    port: 3000,
    image: "grafana/grafana:11.4.0",
    secrets: ["grafana_password", "smtp_user", "smtp_password", "smtp_from", "alert_email_to"],
    env: { GF_SECURITY_ADMIN_PASSWORD__FILE: "/run/secrets/grafana_password", GF_SMTP_FROM_NAME: "CDB Alerts", GF_SMTP_STARTTLS_POLICY: "MandatoryStartTLS" },
  },
  postgres_exporter: { port: 9187, secrets: ["postgres_password"] },
  redis_exporter: { port: 9121, secrets: ["redis_password"] },
  ws: {
    port: 8000, build: { context: ".", dockerfile: "services/ws/Dockerfile" }, secrets: ["redis_password", "postgres_password"],
    exports: ["REDIS_PASSWORD", "POSTGRES_PASSWORD"], start: "python -u service.py",
    env: { ...APP_ENV, WS_SOURCE: "mexc_pb", MEXC_SYMBOL: "BTCUSDT" },
  },
  signal: {
    port: 8005, build: { context: ".", dockerfile: "services/signal/Dockerfile" }, secrets: ["redis_password", "postgres_password"],
    exports: ["REDIS_PASSWORD", "POSTGRES_PASSWORD"], start: "python -m services.signal.service",
    env: { ...APP_ENV, SIGNAL_STRATEGY_ID: "paper", SIGNAL_PORT: "8005", SIGNAL_THRESHOLD_PCT: "0.005", SIGNAL_MIN_VOLUME: "0" },
  },
  candles: {
    port: 8007, build: { context: ".", dockerfile: "services/candles/Dockerfile" }, secrets: ["redis_password"],
    exports: ["REDIS_PASSWORD"], start: "python -u service.py",
    env: { ...APP_ENV, CANDLE_PORT: "8007", CANDLE_INTERVAL_SECONDS: "60", CANDLE_OUTPUT_STREAM: "stream.candles_1m" },
  },
  regime: {
    port: 8008, build: { context: ".", dockerfile: "services/regime/Dockerfile" }, secrets: ["redis_password"],
    exports: ["REDIS_PASSWORD"], start: "python -u service.py",
    env: {
      ...APP_ENV, REGIME_PORT: "8008", REGIME_ADX_PERIOD: "14", REGIME_ATR_PERIOD: "14", REGIME_ADX_TREND_THRESHOLD: "25.0",
      REGIME_ADX_RANGE_THRESHOLD: "20.0", REGIME_ATR_HIGH_VOL_THRESHOLD: "2.0", REGIME_CONFIRMATION_BARS: "3",
    },
  },
  allocation: {
    port: 8006, build: { context: ".", dockerfile: "services/allocation/Dockerfile" }, secrets: ["redis_password"],
    exports: ["REDIS_PASSWORD"], start: "python -u service.py",
    env: { ...APP_ENV, ALLOCATION_PORT: "8006", ALLOCATION_REGIME_MIN_STABLE_SECONDS: "60" },
  },
  risk: {
    port: 8002, build: { context: ".", dockerfile: "services/risk/Dockerfile" },
    secrets: ["redis_password", "postgres_password", "mexc_api_key", "mexc_api_secret"],
    exports: ["REDIS_PASSWORD", "POSTGRES_PASSWORD", "MEXC_API_KEY", "MEXC_API_SECRET"], start: "python -m services.risk.service",
    env: { ...APP_ENV, MAX_POSITION_PCT: "0.1", MAX_TOTAL_EXPOSURE_PCT: "0.3", MAX_DAILY_DRAWDOWN_PCT: "0.05", STOP_LOSS_PCT: "0.02", EARLY_LIVE_MAX_ALLOC: "0.02" },
  },
  execution: {
    port: 8003, build: { context: ".", dockerfile: "services/execution/Dockerfile" },
    secrets: ["redis_password", "postgres_password", "mexc_api_key", "mexc_api_secret"],
    exports: ["REDIS_PASSWORD", "POSTGRES_PASSWORD", "MEXC_API_KEY", "MEXC_API_SECRET"], start: "python -u service.py",
    env: { ...APP_ENV, MOCK_TRADING: "true", USE_REAL_BALANCE: "false" },
  },
  db_writer: {
    build: { context: ".", dockerfile: "services/db_writer/Dockerfile" }, secrets: ["redis_password", "postgres_password"],
    exports: ["REDIS_PASSWORD", "POSTGRES_PASSWORD"], start: "python -u db_writer.py", env: APP_ENV,
  },
  paper_runner: {
    port: 8004, build: { context: ".", dockerfile: "tools/paper_trading/Dockerfile" }, secrets: ["redis_password", "postgres_password"],
    exports: ["REDIS_PASSWORD", "POSTGRES_PASSWORD"], start: "python tools/paper_trading/service.py",
    env: { ...APP_ENV, PAPER_TRADING_DURATION_DAYS: "14" },
  },
  reports: {
    build: { context: "services/reports", dockerfile: "services/reports/Dockerfile" },
    secrets: ["postgres_password_dsn", "postgres_password", "smtp_user", "smtp_password", "smtp_from", "alert_email_to"],
    exports: [], start: "python daily_orders_summary.py",
    env: { POSTGRES_HOST: "cdb_postgres", POSTGRES_USER: "claire_user", POSTGRES_DB: "claire_de_binare", TZ: "UTC" },
  },
};

/** Where this project deliberately differs from the reference, and why (checked by the same test). */
export const DELIBERATE_DIFFERENCES = {
  /** redis_exporter reads REDIS_PASSWORD_FILE as a JSON map; upstream passes the password on the command line. */
  redis_exporter: { secrets: ["redis_exporter_passwords"] },
  /** Grafana's data source reads the database password from its file too. */
  grafana: { extraSecrets: ["postgres_password"] },
} as const;

/** Metrics each service exposes on /metrics ("Metrics actually exposed"). */
export const REFERENCE_METRICS: Record<string, { port: number; metrics: string[] }> = {
  execution: { port: 8003, metrics: ["execution_orders_received_total", "execution_orders_filled_total", "execution_orders_rejected_total", "execution_uptime_seconds"] },
  risk: {
    port: 8002,
    metrics: [
      "signals_received_total", "orders_approved_total", "orders_blocked_total", "orders_skipped_total", "order_results_received_total",
      "orders_rejected_execution_total", "circuit_breaker_active", "risk_pending_orders_total", "risk_total_exposure_value",
    ],
  },
  signal: { port: 8005, metrics: ["signals_generated_total", "signal_engine_status"] },
  candles: { port: 8007, metrics: ["candle_trades_processed_total", "candle_candles_emitted_total"] },
  regime: { port: 8008, metrics: ["regime_candles_processed_total", "regime_changes_total"] },
  allocation: { port: 8006, metrics: ["allocation_decisions_total", "allocation_fills_processed_total"] },
  ws: { port: 8000, metrics: ["decoded_messages_total", "decode_errors_total", "ws_connected", "last_message_ts_ms", "redis_publish_total", "redis_publish_errors_total"] },
  db_writer: { port: 8010, metrics: ["db_writer_events_processed_total", "db_writer_events_failed_total", "db_writer_uptime_seconds"] },
};
