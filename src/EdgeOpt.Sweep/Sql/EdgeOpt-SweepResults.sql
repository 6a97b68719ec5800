-- EdgeOpt's cluster results table (ClusterResultsStore): one row per candidate content key (CandidateSpec.ComputeKey),
-- written once (INSERT ... ON CONFLICT (key) DO NOTHING), so a candidate evaluated twice, by a retried call or a rerun
-- sweep, is stored exactly once. Idempotent: run on every start by ClusterDatabase.EnsureSchema.
CREATE TABLE IF NOT EXISTS edgeopt_sweep_results
(
    key char(64) NOT NULL,
    sweep_id varchar(64) NOT NULL,
    model text NOT NULL,
    model_sha256 char(64) NOT NULL,
    device text NOT NULL,
    precision varchar(32) NOT NULL,
    status varchar(16) NOT NULL,
    spec_json json NOT NULL,
    result_json json NOT NULL,
    host_fingerprint text NULL,
    tool_version text NOT NULL,
    started timestamptz NOT NULL,
    finished timestamptz NOT NULL,
    worker text NOT NULL,

    CONSTRAINT pk_edgeopt_sweep_results PRIMARY KEY (key)
);

CREATE INDEX IF NOT EXISTS ix_edgeopt_sweep_results_sweep_id ON edgeopt_sweep_results (sweep_id);
