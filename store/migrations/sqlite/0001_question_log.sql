-- 0001: the question log: questions, what they cited, votes, and the
-- store's own settings (the salt of the user hashes) and imports.
-- Times are Unix milliseconds (UTC) in both dialects, so that the same
-- queries group them by day.

CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE questions (
    id             INTEGER PRIMARY KEY,
    asked_at       BIGINT  NOT NULL,
    transport      TEXT    NOT NULL,
    user_hash      TEXT    NOT NULL,
    question       TEXT,              -- NULL when question text is not kept
    question_hash  TEXT    NOT NULL,  -- keyed hash of the normalised text
    outcome        TEXT    NOT NULL,  -- answered, uncertain, not_addressed, error
    mode           TEXT    NOT NULL,
    latency_us     BIGINT  NOT NULL,
    model          TEXT    NOT NULL,
    corpus_version TEXT    NOT NULL,
    lang           TEXT    NOT NULL
);
CREATE INDEX questions_asked_at ON questions (asked_at);
CREATE INDEX questions_hash ON questions (question_hash, asked_at);

CREATE TABLE citations (
    question_id BIGINT  NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    label       TEXT    NOT NULL,
    PRIMARY KEY (question_id, position)
);
CREATE INDEX citations_label ON citations (label);

CREATE TABLE votes (
    id            INTEGER PRIMARY KEY,
    voted_at      BIGINT   NOT NULL,
    question_id   BIGINT   REFERENCES questions (id) ON DELETE SET NULL,
    voter_hash    TEXT     NOT NULL,
    up            SMALLINT NOT NULL,
    question      TEXT,
    question_hash TEXT     NOT NULL,
    labels        TEXT     NOT NULL,  -- JSON array: the answer's citations
    mode          TEXT     NOT NULL,
    model         TEXT     NOT NULL,
    answer_id     TEXT     NOT NULL   -- the answer voted on (a Discord message), '' if unknown
);
CREATE INDEX votes_voted_at ON votes (voted_at);
CREATE INDEX votes_answer ON votes (answer_id, voter_hash);
CREATE INDEX votes_question ON votes (question_id);

CREATE TABLE imports (
    sha256      TEXT    PRIMARY KEY,
    name        TEXT    NOT NULL,
    imported_at BIGINT  NOT NULL,
    records     INTEGER NOT NULL
);
