import type postgres from "postgres";

/**
 * Who the benchmark signs in as: a manager leading two of the twenty teams (10% of tickets), who
 * reported 1 in 100 of those teams' tickets.
 */
export const BENCH_MANAGER = { email: "bench-manager@bench.local", password: "bench-password-0123456789" };
const TEAMS = 20;
const DEVELOPERS_PER_TEAM = 10;
const REPORTERS = 500;
const BATCH = 100_000;

/** Words for titles, descriptions and searches; "timeout" is the benchmark's `q`. */
const WORDS = [
  "login",
  "timeout",
  "payment",
  "checkout",
  "invoice",
  "export",
  "report",
  "dashboard",
  "mobile",
  "android",
  "ios",
  "safari",
  "crash",
  "slow",
  "error",
  "upload",
  "avatar",
  "email",
  "password",
  "reset",
  "sync",
  "calendar",
  "webhook",
  "api",
  "token",
  "session",
  "search",
  "filter",
  "sort",
  "pagination",
  "import",
  "csv",
  "pdf",
  "printer",
  "billing",
  "refund",
  "coupon",
  "cart",
  "profile",
  "settings",
  "notification",
  "push",
  "sms",
  "locale",
  "timezone",
  "dark",
  "theme",
  "chart",
  "graph",
];
const TAGS = [
  "bug",
  "feature",
  "ux",
  "backend",
  "frontend",
  "regression",
  "security",
  "perf",
  "docs",
  "infra",
];

/**
 * Raised when what the seed writes changes, so a kept database is seeded again rather than
 * measured with other data (2: the manager reports 1 in 100 of their teams' tickets).
 */
const SEED_VERSION = 2;

/** A kept database seeded by an earlier SEED_VERSION (or before versions): drop it and seed again. */
export async function seedIsOutdated(sql: postgres.Sql): Promise<boolean> {
  const [table] = await sql`select 1 from pg_tables where tablename = 'bench_seed'`;
  if (!table) return false;
  // Through to_jsonb: a marker from before versions has no such column, which reads as null.
  const [marker] = await sql<{ version: number | null }[]>`
    select (to_jsonb(bench_seed) ->> 'version')::int as version from bench_seed`;
  return marker !== undefined && marker.version !== SEED_VERSION;
}

/**
 * Seeds `size` tickets once, set-based (`insert ... select ... generate_series`), in batches so
 * the GIN indexes (tags, full-text search) stay in memory. A marker table remembers what was
 * seeded; tickets the benchmark itself created in an earlier run are removed first.
 */
export async function ensureSeeded(sql: postgres.Sql, size: number, passwordHash: string): Promise<number> {
  await sql`create table if not exists bench_seed (tickets bigint not null, max_number bigint not null,
    version int not null default ${sql.unsafe(String(SEED_VERSION))})`;
  const [marker] = await sql<{ tickets: string; max_number: string }[]>`select * from bench_seed`;
  if (marker && Number(marker.tickets) === size) {
    await sql`delete from tickets where number > ${marker.max_number}`;
    return 0;
  }
  if (marker) throw new Error(`bench database holds ${marker.tickets} tickets, wanted ${size}`);
  const started = performance.now();
  // One transaction: an interrupted seed leaves nothing half-done behind.
  await sql.begin(async (tx) => {
    await seedPeople(tx, passwordHash);
    for (let from = 0; from < size; from += BATCH)
      await seedTickets(tx, from, Math.min(size, from + BATCH), size);
    await tx`insert into bench_seed select count(*), max(number) from tickets`;
  });
  await sql`analyze`;
  return performance.now() - started;
}

async function seedPeople(sql: postgres.TransactionSql, passwordHash: string): Promise<void> {
  await sql`insert into teams (name, description)
    select 'Team ' || lpad(i::text, 2, '0'), 'Benchmark team ' || i from generate_series(1, ${TEAMS}) i`;
  await sql`insert into users (email, name, role, password_hash)
    select 'dev' || i || '@bench.local', 'Developer ' || i, 'developer', ${passwordHash}
    from generate_series(1, ${TEAMS * DEVELOPERS_PER_TEAM}) i`;
  await sql`insert into users (email, name, role, password_hash)
    select 'reporter' || i || '@bench.local', 'Reporter ' || i, 'reporter', ${passwordHash}
    from generate_series(1, ${REPORTERS}) i`;
  await sql`insert into users (email, name, role, password_hash)
    values (${BENCH_MANAGER.email}, 'Bench Manager', 'manager', ${passwordHash})`;
  // Developer n belongs to team (n mod TEAMS); the manager leads teams 01 and 02.
  await sql`insert into team_members (team_id, user_id, role)
    select t.id, u.id, 'member' from users u
    join teams t on t.name = 'Team ' || lpad((split_part(split_part(u.email, '@', 1), 'dev', 2)::int % ${TEAMS} + 1)::text, 2, '0')
    where u.email like 'dev%@bench.local'`;
  await sql`insert into team_members (team_id, user_id, role)
    select t.id, u.id, 'lead' from users u, teams t
    where u.email = ${BENCH_MANAGER.email} and t.name in ('Team 01', 'Team 02')`;
  await sql`insert into categories (name, default_team_id)
    select 'Category ' || i, (select id from teams order by name offset (i % ${TEAMS}) limit 1)
    from generate_series(1, 30) i`;
}

async function seedTickets(
  sql: postgres.TransactionSql,
  from: number,
  to: number,
  size: number,
): Promise<void> {
  // Two years of history, newest first by number; updated a few days after creation at most.
  const secondsPerTicket = 63_072_000 / size;
  await sql`
    with teams_ as (select array_agg(id order by name) ids from teams),
      devs as (select t.name, array_agg(m.user_id order by m.user_id) ids
        from team_members m join teams t on t.id = m.team_id where m.role = 'member' group by t.name),
      reporters as (select array_agg(id order by email) ids from users where role = 'reporter'),
      cats as (select array_agg(id order by name) ids from categories),
      words as (select ${WORDS}::text[] w, ${TAGS}::text[] t),
      series as (select i, random() r1, random() r2, random() r3, random() r4, random() r5
        from generate_series(${from + 1}::int, ${to}::int) i)
    insert into tickets (title, description, status, priority, category_id, team_id, reporter_id,
      assignee_id, tags, due_at, created_at, updated_at)
    select
      initcap(w[1 + floor(r1 * ${WORDS.length})::int]) || ' ' || w[1 + floor(r2 * ${WORDS.length})::int] || ' fails on ' || w[1 + floor(r3 * ${WORDS.length})::int],
      'Steps: open ' || w[1 + floor(r4 * ${WORDS.length})::int] || ', then ' || w[1 + floor(r5 * ${WORDS.length})::int] || ' and ' ||
        w[1 + floor(r1 * r2 * ${WORDS.length})::int] || '. Expected it to work; got an ' || w[1 + floor(r3 * r5 * ${WORDS.length})::int] ||
        ' instead. Happens on ' || w[1 + floor(r2 * r4 * ${WORDS.length})::int] || ' every time.',
      (array['open','open','open','in_progress','in_progress','blocked','resolved','resolved','closed','closed'])[1 + floor(r1 * 10)::int]::ticket_status,
      (array['low','medium','medium','medium','high','high','urgent'])[1 + floor(r2 * 7)::int]::ticket_priority,
      (select ids from cats)[1 + i % 30],
      (select ids from teams_)[1 + i % ${TEAMS}],
      -- A lead files tickets too: the manager reports 1 in 100 of Team 01's and Team 02's.
      case when i % 2000 < 2 then (select id from users where email = ${BENCH_MANAGER.email})
        else (select ids from reporters)[1 + floor(r3 * ${REPORTERS})::int] end,
      case when r4 < 0.2 then null
        else (select ids from devs where devs.name = 'Team ' || lpad((1 + i % ${TEAMS})::text, 2, '0'))[1 + floor(r5 * ${DEVELOPERS_PER_TEAM})::int] end,
      array[t[1 + floor(r2 * 10)::int], t[1 + floor(r4 * 10)::int]],
      -- r1 * interval, not (r1 * 30 || ' days')::interval: a tiny r1 prints as 4.2e-05, which no interval parses.
      case when r5 < 0.3 then now() + r1 * interval '30 days' end,
      now() - make_interval(secs => i * ${secondsPerTicket}::float8),
      least(now(), now() - make_interval(secs => i * ${secondsPerTicket}::float8) + make_interval(days => (r3 * 3)::int))
    from series, words`;
}

/** Developers of Team 01 (the manager's team) who watch the comment scenario's tickets. */
export const BENCH_WATCHER_EMAIL = (index: number) => `watcher${index}@bench.local`;

/**
 * Tickets in Team 01 each watched by `watchers` developers of that team, so every one of them may
 * see the ticket (userSeesTicket) and a comment really notifies them all. The watchers are kept
 * between runs; the tickets are new each run (the next run's ensureSeeded removes them). Watcher 1
 * chooses in-app for comments explicitly, as the stream's subscriber in the latency probe.
 */
export async function seedWatchedTickets(
  sql: postgres.Sql,
  tickets: number,
  watchers: number,
): Promise<string[]> {
  return sql.begin(async (tx) => {
    await tx`insert into users (email, name, role, password_hash)
      select 'watcher' || i || '@bench.local', 'Watcher ' || i, 'developer',
        (select password_hash from users where email = ${BENCH_MANAGER.email})
      from generate_series(1, ${watchers}) i
      where not exists (select 1 from users where lower(email) = 'watcher' || i || '@bench.local')`;
    const people = await tx<{ id: string }[]>`select id from users
      where email like 'watcher%@bench.local' order by id limit ${watchers}`;
    const ids = people.map((person) => person.id);
    await tx`insert into team_members (team_id, user_id, role)
      select t.id, u, 'member' from teams t, unnest(${ids}::uuid[]) u where t.name = 'Team 01'
      on conflict do nothing`;
    await tx`insert into notification_preferences (user_id, kind, channel)
      select id, 'commented', 'in_app' from users where email = ${BENCH_WATCHER_EMAIL(1)}
      on conflict do nothing`;
    const created = await tx<
      { id: string }[]
    >`insert into tickets (title, description, status, priority, team_id, reporter_id)
      select 'Watched ticket ' || i, 'Bench: commented on under load.', 'open', 'medium',
        (select id from teams where name = 'Team 01'),
        (select id from users where role = 'reporter' order by email limit 1)
      from generate_series(1, ${tickets}) i returning id`;
    const ticketIds = created.map((ticket) => ticket.id);
    await tx`insert into ticket_watchers (ticket_id, user_id)
      select t, u from unnest(${ticketIds}::uuid[]) t, unnest(${ids}::uuid[]) u`;
    return ticketIds;
  });
}
