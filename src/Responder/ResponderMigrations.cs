namespace ZtStream.Responder;

/// <summary>
/// The responder's tables. Times are Unix milliseconds (BIGINT) so one SQL text serves both dialects;
/// only identity columns and the append-only guard of the audit table differ.
/// </summary>
internal sealed class ResponderMigrations : IMigrationSource
{
    public const string Component = "responder";

    private const string Common = """
        CREATE TABLE responder_alerts (
            id TEXT PRIMARY KEY,
            dedup_key TEXT NOT NULL,
            principal TEXT NOT NULL,
            detector TEXT NOT NULL,
            severity TEXT NOT NULL,
            score INTEGER NOT NULL,
            count INTEGER NOT NULL,
            first_seen BIGINT NOT NULL,
            last_seen BIGINT NOT NULL,
            subject_id TEXT NULL,
            workload_id TEXT NULL,
            namespace TEXT NULL,
            resource_class TEXT NULL,
            raised_by TEXT NULL,
            status TEXT NOT NULL,
            verdict_by TEXT NULL,
            alert_json TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL
        );
        CREATE INDEX ix_responder_alerts_last_seen ON responder_alerts (last_seen);
        CREATE INDEX ix_responder_alerts_principal ON responder_alerts (principal);

        CREATE TABLE responder_actions (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            mode TEXT NOT NULL,
            state TEXT NOT NULL,
            alert_id TEXT NULL,
            rule TEXT NULL,
            principal TEXT NULL,
            subject_id TEXT NULL,
            jti TEXT NULL,
            session_id TEXT NULL,
            client_id TEXT NULL,
            workload_id TEXT NULL,
            namespace TEXT NULL,
            workload_name TEXT NULL,
            isolation_action_id TEXT NULL,
            ttl_seconds BIGINT NULL,
            reason TEXT NOT NULL,
            decision TEXT NOT NULL,
            requested_by TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            decided_at BIGINT NULL,
            decided_by TEXT NULL,
            approval_expires_at BIGINT NULL,
            expires_at BIGINT NULL,
            attempts INTEGER NOT NULL,
            detail TEXT NULL,
            error TEXT NULL
        );
        CREATE INDEX ix_responder_actions_alert ON responder_actions (alert_id);
        CREATE INDEX ix_responder_actions_state ON responder_actions (state);
        CREATE INDEX ix_responder_actions_decided ON responder_actions (mode, decided_at);

        CREATE TABLE responder_revocation_version (
            id INTEGER PRIMARY KEY,
            version BIGINT NOT NULL
        );
        INSERT INTO responder_revocation_version (id, version) VALUES (1, 0);

        CREATE TABLE responder_revocations (
            version BIGINT PRIMARY KEY,
            action_id TEXT NOT NULL,
            entry_kind TEXT NOT NULL,
            jti TEXT NULL,
            session_id TEXT NULL,
            subject_id TEXT NULL,
            not_before BIGINT NULL,
            revoked_at BIGINT NOT NULL,
            expires_at BIGINT NULL,
            reason TEXT NULL,
            UNIQUE (action_id, entry_kind)
        );
        """;

    // The alert history and the audit trail, which is append-only.
    private const string HistoryAndAudit = """
        CREATE TABLE responder_alert_history (
            id {id},
            alert_id TEXT NOT NULL,
            at BIGINT NOT NULL,
            change TEXT NOT NULL,
            count INTEGER NOT NULL,
            score INTEGER NOT NULL,
            severity TEXT NOT NULL,
            status TEXT NOT NULL,
            actor TEXT NULL,
            detail TEXT NULL
        );
        CREATE INDEX ix_responder_alert_history_alert ON responder_alert_history (alert_id);

        CREATE TABLE responder_audit (
            id {id},
            at BIGINT NOT NULL,
            kind TEXT NOT NULL,
            actor TEXT NOT NULL,
            action_id TEXT NULL,
            alert_id TEXT NULL,
            principal TEXT NULL,
            summary TEXT NOT NULL,
            before_json TEXT NULL,
            after_json TEXT NULL
        );
        CREATE INDEX ix_responder_audit_at ON responder_audit (at);
        CREATE INDEX ix_responder_audit_action ON responder_audit (action_id);
        CREATE INDEX ix_responder_audit_alert ON responder_audit (alert_id);

        """;

    // The audit chain: each row's sequence number and hash, the chain head beside the table (seq, hash, and how many rows
    // predate the chain), and guards so the head only moves forward one row at a time and neither table can be truncated.
    private const string AuditHead = """
        CREATE UNIQUE INDEX ux_responder_audit_seq ON responder_audit (seq);
        CREATE TABLE responder_audit_head (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            seq BIGINT NOT NULL,
            hash TEXT NOT NULL,
            unchained_rows BIGINT NOT NULL
        );
        INSERT INTO responder_audit_head (id, seq, hash, unchained_rows)
        SELECT 1, 0, '0000000000000000000000000000000000000000000000000000000000000000', COUNT(*) FROM responder_audit;
        """;

    private const string AuditChainSqlite = """
        ALTER TABLE responder_audit ADD COLUMN seq BIGINT NULL;
        ALTER TABLE responder_audit ADD COLUMN prev_hash TEXT NULL;
        ALTER TABLE responder_audit ADD COLUMN hash TEXT NULL;
        """ + AuditHead + """
        CREATE TRIGGER responder_audit_head_forward BEFORE UPDATE ON responder_audit_head
        WHEN NEW.id <> OLD.id OR NEW.seq <> OLD.seq + 1 OR NEW.unchained_rows <> OLD.unchained_rows
        BEGIN SELECT RAISE(ABORT, 'responder_audit_head only moves forward one row at a time'); END;
        CREATE TRIGGER responder_audit_head_no_delete BEFORE DELETE ON responder_audit_head
        BEGIN SELECT RAISE(ABORT, 'responder_audit_head only moves forward one row at a time'); END;
        """;

    private const string AuditChainPostgres = """
        ALTER TABLE responder_audit ADD COLUMN seq BIGINT NULL, ADD COLUMN prev_hash TEXT NULL, ADD COLUMN hash TEXT NULL;
        """ + AuditHead + """
        CREATE FUNCTION responder_audit_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.seq = OLD.seq + 1 AND NEW.unchained_rows = OLD.unchained_rows THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION 'responder_audit_head only moves forward one row at a time';
        END $$;
        CREATE TRIGGER responder_audit_head_guard BEFORE UPDATE OR DELETE ON responder_audit_head
        FOR EACH ROW EXECUTE FUNCTION responder_audit_head_forward();
        CREATE TRIGGER responder_audit_head_no_truncate BEFORE TRUNCATE ON responder_audit_head
        FOR EACH STATEMENT EXECUTE FUNCTION responder_audit_head_forward();
        CREATE TRIGGER responder_audit_no_truncate BEFORE TRUNCATE ON responder_audit
        FOR EACH STATEMENT EXECUTE FUNCTION responder_audit_append_only();
        """;

    // Revocation entries carry the token's expiry (the action records it) and may be lifted, the lift taking a feed
    // version of its own; automatic actions take a slot of the blast-radius budget in a table all instances share.
    private const string RevocationLiftAndBudget = """
        ALTER TABLE responder_actions ADD COLUMN token_expires_at BIGINT NULL;
        ALTER TABLE responder_revocations ADD COLUMN lifted_version BIGINT NULL;
        ALTER TABLE responder_revocations ADD COLUMN lifted_at BIGINT NULL;
        ALTER TABLE responder_revocations ADD COLUMN lifted_by TEXT NULL;
        ALTER TABLE responder_revocations ADD COLUMN lift_reason TEXT NULL;
        CREATE INDEX ix_responder_revocations_lifted ON responder_revocations (lifted_version);
        CREATE TABLE responder_budget_slots (
            action_id TEXT PRIMARY KEY,
            namespace TEXT NULL,
            taken_at BIGINT NOT NULL
        );
        CREATE INDEX ix_responder_budget_slots_taken ON responder_budget_slots (taken_at);
        """;

    // Version 5 (3 and 4 are the audit chain and revocation lifting, independent of it; the migrator applies any
    // unrecorded version, so the order they land in does not matter). Triage: an assignee, a change version per alert
    // (bumped in the writing transaction, like the revocation feed's, so the live queue reads changes in commit order),
    // and indexes for the queue's filters, each ending in the sort key so the first page of a filtered queue is an index
    // range scan. Suppressions made from verdicts are rows of their own.
    private const string Triage = """
        ALTER TABLE responder_alerts ADD COLUMN assignee TEXT NULL;
        ALTER TABLE responder_alerts ADD COLUMN change_version BIGINT NOT NULL DEFAULT 0;
        CREATE TABLE responder_alert_version (
            id INTEGER PRIMARY KEY,
            version BIGINT NOT NULL
        );
        INSERT INTO responder_alert_version (id, version) VALUES (1, 0);
        DROP INDEX ix_responder_alerts_last_seen;
        DROP INDEX ix_responder_alerts_principal;
        CREATE INDEX ix_responder_alerts_queue ON responder_alerts (last_seen, id);
        CREATE INDEX ix_responder_alerts_status ON responder_alerts (status, last_seen, id);
        CREATE INDEX ix_responder_alerts_severity ON responder_alerts (severity, last_seen, id);
        CREATE INDEX ix_responder_alerts_principal ON responder_alerts (principal, last_seen, id);
        CREATE INDEX ix_responder_alerts_assignee ON responder_alerts (assignee, last_seen, id);
        CREATE INDEX ix_responder_alerts_namespace ON responder_alerts (namespace, last_seen, id);
        CREATE INDEX ix_responder_alerts_version ON responder_alerts (change_version);
        CREATE INDEX ix_responder_alerts_first_seen ON responder_alerts (first_seen);

        CREATE TABLE responder_suppressions (
            id TEXT PRIMARY KEY,
            alert_id TEXT NOT NULL,
            scope TEXT NOT NULL,
            principal TEXT NOT NULL,
            namespace TEXT NULL,
            resource_class TEXT NULL,
            rules TEXT NOT NULL,
            created_by TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            expires_at BIGINT NOT NULL,
            note TEXT NULL,
            lifted_at BIGINT NULL,
            lifted_by TEXT NULL,
            lift_reason TEXT NULL
        );
        CREATE INDEX ix_responder_suppressions_alert ON responder_suppressions (alert_id);
        CREATE INDEX ix_responder_suppressions_expires ON responder_suppressions (expires_at);
        """;

    // One row per technique of an alert, so GET /v1/alerts?technique= is an indexed lookup (exact, or the sub-techniques
    // of a technique by prefix) in both dialects rather than a scan of alert_json.
    private const string AlertTechniques = """
        CREATE TABLE responder_alert_techniques (
            alert_id TEXT NOT NULL,
            technique TEXT NOT NULL,
            PRIMARY KEY (alert_id, technique)
        );
        CREATE INDEX ix_responder_alert_techniques_technique ON responder_alert_techniques (technique, alert_id);
        """;

    // Console sessions live here rather than in the cookie, so signing out ends them for every copy of the cookie; the
    // Data Protection keys that protect the cookies live here too, so a restart or a second Responder can read them.
    private const string ConsoleSessions = """
        CREATE TABLE responder_console_sessions (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            ticket TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            expires_at BIGINT NOT NULL
        );
        CREATE INDEX ix_responder_console_sessions_expires ON responder_console_sessions (expires_at);
        CREATE TABLE responder_data_protection_keys (
            name TEXT PRIMARY KEY,
            xml TEXT NOT NULL,
            created_at BIGINT NOT NULL
        );
        """;

    // One row per alert delivery merged into a flood alert: a delivery handed again after a crash (at-least-once) finds
    // its row and is not counted twice.
    private const string AlertMerges = """
        CREATE TABLE responder_alert_merges (
            alert_id TEXT NOT NULL,
            count INTEGER NOT NULL,
            flood_id TEXT NOT NULL,
            merged_at BIGINT NOT NULL,
            PRIMARY KEY (alert_id, count)
        );
        """;

    // A suppression's version, so a narrowing or lift decided on one the caller read is refused (409) once another
    // change was stored since; rows made before it start at 1.
    private const string SuppressionVersions = """
        ALTER TABLE responder_suppressions ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
        """;

    // An isolation acts in one cluster: the action keeps it, and the per-namespace budget counts a namespace per cluster
    // (prod in staging is not prod in production). Rows made before it name no cluster, as their commands did.
    private const string Clusters = """
        ALTER TABLE responder_actions ADD COLUMN cluster TEXT NULL;
        ALTER TABLE responder_budget_slots ADD COLUMN cluster TEXT NULL;
        """;

    // A suppression made from an alert on a cluster-local principal holds in that cluster only (staging's account judged
    // benign stays scored in prod). Rows made before it name no cluster and keep holding in every cluster, as they did.
    private const string SuppressionClusters = """
        ALTER TABLE responder_suppressions ADD COLUMN cluster TEXT NULL;
        """;

    // A staged rule's alert (Alert.Staged) is stored and listed like any, but acted on by nothing and counted against no
    // cap of live alerts: a column, so the caps' count and GET /v1/alerts?staged= are plain, indexed conditions. Version
    // 11, 10 being the cluster of suppressions; rows made before it are live alerts.
    private const string StagedAlerts = """
        ALTER TABLE responder_alerts ADD COLUMN staged INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX ix_responder_alerts_staged ON responder_alerts (staged, last_seen, id);
        """;

    // The queue lists one cluster's alerts (?cluster=): an alert's principal's cluster and its workload's, as columns the
    // filter can read. Alerts stored before are filled in from the alert each row keeps.
    private const string AlertClustersSqlite = """
        ALTER TABLE responder_alerts ADD COLUMN principal_cluster TEXT NULL;
        ALTER TABLE responder_alerts ADD COLUMN workload_cluster TEXT NULL;
        UPDATE responder_alerts SET principal_cluster = json_extract(alert_json, '$.principal_cluster'),
            workload_cluster = COALESCE(json_extract(alert_json, '$.target_workload.cluster'), json_extract(alert_json, '$.workload.cluster'));
        """;

    private const string AlertClustersPostgres = """
        ALTER TABLE responder_alerts ADD COLUMN principal_cluster TEXT NULL, ADD COLUMN workload_cluster TEXT NULL;
        UPDATE responder_alerts SET principal_cluster = alert_json::jsonb ->> 'principal_cluster',
            workload_cluster = COALESCE(alert_json::jsonb -> 'target_workload' ->> 'cluster', alert_json::jsonb -> 'workload' ->> 'cluster');
        """;

    // The answers to creating POSTs sent with an Idempotency-Key (Api/IdempotentRequests), per caller and key, so a repeat
    // answers the first answer again on any replica and after a restart. A row without a status is a request under way.
    private const string IdempotencyKeys = """
        CREATE TABLE responder_idempotency_keys (
            caller TEXT NOT NULL,
            idempotency_key TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            claim TEXT NOT NULL,
            status INTEGER NULL,
            content_type TEXT NULL,
            body {bytes} NULL,
            created_at BIGINT NOT NULL,
            expires_at BIGINT NOT NULL,
            PRIMARY KEY (caller, idempotency_key)
        );
        CREATE INDEX ix_responder_idempotency_keys_expires ON responder_idempotency_keys (expires_at);
        CREATE INDEX ix_responder_idempotency_keys_caller ON responder_idempotency_keys (caller, created_at);
        """;

    // A request with an Idempotency-Key that ran but whose answer was never kept (the process died) is run again once its
    // lease is over, and must meet what it made the first time: the key row now outlives its lease (expires_at is the
    // row's end, lease_until the claim's), and a comment carries the id of the request that wrote it, once.
    private const string IdempotentRetries = """
        ALTER TABLE responder_idempotency_keys ADD COLUMN lease_until BIGINT NULL;
        ALTER TABLE responder_alert_history ADD COLUMN request_id TEXT NULL;
        CREATE UNIQUE INDEX ux_responder_alert_history_request ON responder_alert_history (request_id);
        """;

    // A creating request's answer names what it made in Location (Api/Locations); a repeat answers it again. Answers kept
    // before have none, and are replayed without it, as they were first answered.
    private const string IdempotentLocations = """
        ALTER TABLE responder_idempotency_keys ADD COLUMN location TEXT NULL;
        """;

    public IEnumerable<Migration> Migrations { get; } =
    [
        Migration.Portable(Component, 1, "alerts, actions, audit, revocations", dialect => Common + "\n" + HistoryAndAudit + PortableSql.AppendOnly("responder_audit", dialect)),
        Migration.Portable(Component, 2, "alert techniques", AlertTechniques),
        new(Component, 3, "audit hash chain", AuditChainSqlite, AuditChainPostgres),
        Migration.Portable(Component, 4, "revocation expiry and lifting, shared blast-radius budget", RevocationLiftAndBudget),
        Migration.Portable(Component, 5, "triage: assignee, change versions, queue indexes, suppressions", Triage),
        Migration.Portable(Component, 6, "console sessions and the Data Protection key ring", ConsoleSessions),
        Migration.Portable(Component, 7, "alert deliveries merged into flood alerts", AlertMerges),
        Migration.Portable(Component, 8, "suppression versions", SuppressionVersions),
        Migration.Portable(Component, 9, "the cluster of an action's workload", Clusters),
        Migration.Portable(Component, 10, "the cluster a suppression holds in", SuppressionClusters),
        Migration.Portable(Component, 11, "staged rules' alerts", StagedAlerts),
        new(Component, 12, "the clusters an alert names, for the queue's filter", AlertClustersSqlite, AlertClustersPostgres),
        Migration.Portable(Component, 13, "idempotency keys of creating requests", IdempotencyKeys),
        Migration.Portable(Component, 14, "a retried request meets what its first run made", IdempotentRetries),
        Migration.Portable(Component, 15, "the Location of an idempotent request's answer", IdempotentLocations),
    ];
}
