import type { DemoCategory } from "./demo-cast.ts";
import type { Random } from "./prng.ts";

type Area = DemoCategory["area"];

const SUBJECTS: Record<Area, readonly string[]> = {
  backend: [
    "orders endpoint",
    "search API",
    "webhook dispatcher",
    "CSV export job",
    "notification worker",
    "session refresh",
    "password reset email",
    "audit trail query",
    "nightly migration",
    "reporting query",
    "SSO callback",
  ],
  infra: [
    "staging deploy",
    "CI pipeline",
    "log shipping",
    "TLS certificate renewal",
    "database backups",
    "error alerting",
    "container image build",
  ],
  web: [
    "dashboard",
    "settings page",
    "ticket list",
    "sign-in form",
    "file upload dialog",
    "date picker",
    "navigation menu",
    "search box",
    "dark mode",
  ],
  mobile: [
    "push notifications",
    "offline sync",
    "photo attachment",
    "login screen",
    "app start-up",
    "deep links",
    "biometric unlock",
    "in-app update prompt",
  ],
  billing: [
    "invoice PDF",
    "card payment",
    "refund flow",
    "VAT calculation",
    "plan upgrade",
    "trial expiry email",
    "payment provider webhook",
  ],
};

const PROBLEMS = [
  "500 error when",
  "times out when",
  "very slow when",
  "wrong total shown when",
  "crash when",
  "duplicate records when",
  "filter ignored when",
  "fails silently when",
  "data lost when",
  "blank screen when",
] as const;

const CONDITIONS = [
  "the cart has more than 50 items",
  "the user switches language",
  "two tabs are open",
  "the access token expires mid-request",
  "the file is larger than 10 MB",
  "it runs just after midnight UTC",
  "the account has no billing address",
  "the device goes offline",
  "VoiceOver is turned on",
  "the customer is in a non-UTC timezone",
  "a name contains an apostrophe",
  "the list is sorted by due date",
] as const;

const REQUESTS = [
  "Add keyboard shortcuts to the",
  "Allow exporting from the",
  "Show progress in the",
  "Add retry with backoff to the",
  "Log more context in the",
  "Make the empty state clearer in the",
] as const;

const CLIENTS = [
  "Chrome 131 on macOS",
  "Firefox 133 on Windows 11",
  "Safari on iOS 18",
  "Android 15 app v4.2.1",
  "iOS app v4.3.0",
  "Edge 131 on Windows 10",
];
const OBSERVATIONS = [
  "It started after Tuesday's release.",
  "Two customers reported it this week.",
  "It happens about one time in five.",
  "Support has a workaround but it is manual.",
  "The logs show a timeout against the database.",
  "It only happens for accounts created before March.",
];

export const DEMO_TAGS = [
  "regression",
  "customer-reported",
  "performance",
  "security",
  "ux",
  "flaky",
  "good-first-issue",
  "tech-debt",
  "release-blocker",
  "needs-info",
  "enterprise",
  "i18n",
] as const;

const PUBLIC_COMMENTS = [
  "Thanks for the report, we can reproduce it and are looking into it.",
  "Could you tell us which browser version you were using?",
  "This should be fixed in the next release; we will update this ticket.",
  "I can still see this on my side after clearing the cache.",
  "Confirmed fixed on my account, thank you!",
  "Attaching a screenshot of what I see.",
  "Is there a workaround we can share with the customer meanwhile?",
  "We deployed a fix this morning; could you check again?",
] as const;

const INTERNAL_COMMENTS = [
  "Root cause: the query is missing an index on the filter column.",
  "Looks like a race between the two workers; adding a lock.",
  "Linked to the incident from last week; same stack trace.",
  "I think this belongs to the Platform team, but keeping it here for now.",
  "Customer is on the enterprise plan, let's keep the SLA in mind.",
  "Fix is in review; needs a migration so it waits for the Thursday deploy.",
  "Could not reproduce on staging; asking for a HAR file.",
] as const;

export function ticketTitle(random: Random, area: Area): string {
  const subject = random.pick(SUBJECTS[area]);
  if (random.chance(0.25)) return `${random.pick(REQUESTS)} ${subject}`;
  const label = subject.charAt(0).toUpperCase() + subject.slice(1);
  return `${label}: ${random.pick(PROBLEMS)} ${random.pick(CONDITIONS)}`;
}

export function ticketDescription(random: Random, title: string): string {
  const steps = random.sample(
    [
      "Sign in as a regular user",
      "Open the page from the main menu",
      "Apply a filter",
      "Wait a few seconds",
      "Reload the page",
      "Submit the form",
    ],
    random.int(2, 4),
  );
  return [
    `${title}.`,
    "",
    "## Steps to reproduce",
    ...steps.map((step, index) => `${index + 1}. ${step}`),
    "",
    "## Expected",
    "It works without errors.",
    "",
    "## Actual",
    random.pick(OBSERVATIONS),
    "",
    `_Environment: ${random.pick(CLIENTS)}_`,
  ].join("\n");
}

export function commentBody(random: Random, visibility: "public" | "internal"): string {
  return random.pick(visibility === "public" ? PUBLIC_COMMENTS : INTERNAL_COMMENTS);
}
