/** Who and what the demo is about: teams, categories and people, fixed so the README can name them. */

export const DEMO_EMAIL_DOMAIN = "demo.tixgenius.local";
/** Shared by every demo account (development only); documented in the README. */
export const DEMO_PASSWORD = "tixgenius-demo-2026";

export type TeamName = "Platform" | "Web Experience" | "Mobile Apps" | "Payments";

export const DEMO_TEAMS: readonly { name: TeamName; description: string }[] = [
  { name: "Platform", description: "APIs, data stores, infrastructure and the delivery pipeline." },
  {
    name: "Web Experience",
    description: "The customer web app: UI, accessibility and front-end performance.",
  },
  { name: "Mobile Apps", description: "The iOS and Android apps and their release trains." },
  { name: "Payments", description: "Checkout, invoicing, refunds and payment providers." },
];

export interface DemoCategory {
  name: string;
  description: string;
  parent?: string;
  team: TeamName;
  /** Which word list its tickets draw their subjects from. */
  area: "backend" | "infra" | "web" | "mobile" | "billing";
}

export const DEMO_CATEGORIES: readonly DemoCategory[] = [
  { name: "Backend", description: "Server-side services", team: "Platform", area: "backend" },
  {
    name: "API",
    description: "Public and internal HTTP APIs",
    parent: "Backend",
    team: "Platform",
    area: "backend",
  },
  {
    name: "Database",
    description: "Schema, queries, migrations",
    parent: "Backend",
    team: "Platform",
    area: "backend",
  },
  {
    name: "Authentication",
    description: "Sign-in, sessions, SSO",
    parent: "Backend",
    team: "Platform",
    area: "backend",
  },
  { name: "Infrastructure", description: "Hosting, CI/CD, observability", team: "Platform", area: "infra" },
  { name: "Web", description: "The web application", team: "Web Experience", area: "web" },
  { name: "Accessibility", description: "WCAG issues", parent: "Web", team: "Web Experience", area: "web" },
  { name: "Mobile", description: "The native apps", team: "Mobile Apps", area: "mobile" },
  { name: "iOS", description: "The iOS app", parent: "Mobile", team: "Mobile Apps", area: "mobile" },
  { name: "Android", description: "The Android app", parent: "Mobile", team: "Mobile Apps", area: "mobile" },
  { name: "Billing", description: "Plans, invoices, payments", team: "Payments", area: "billing" },
  {
    name: "Refunds",
    description: "Refunds and chargebacks",
    parent: "Billing",
    team: "Payments",
    area: "billing",
  },
];

export interface DemoPerson {
  name: string;
  role: "manager" | "developer" | "reporter";
  /** Teams and the role in each (managers lead theirs). */
  teams?: readonly TeamName[];
  timezone?: string;
  capacity?: number;
  availability?: "available" | "away" | "offline";
}

export const DEMO_PEOPLE: readonly DemoPerson[] = [
  { name: "Priya Natarajan", role: "manager", teams: ["Platform", "Payments"] },
  { name: "Marcus Oyelaran", role: "manager", teams: ["Web Experience"] },
  { name: "Sofia Lindqvist", role: "manager", teams: ["Mobile Apps"] },

  {
    name: "Jonas Weber",
    role: "developer",
    teams: ["Platform", "Payments"],
    timezone: "Europe/Berlin",
    capacity: 8,
  },
  { name: "Aiko Tanaka", role: "developer", teams: ["Platform"], timezone: "Asia/Tokyo", capacity: 6 },
  {
    name: "Diego Ramirez",
    role: "developer",
    teams: ["Web Experience"],
    timezone: "America/Mexico_City",
    capacity: 7,
  },
  {
    name: "Hannah Okafor",
    role: "developer",
    teams: ["Web Experience", "Mobile Apps"],
    timezone: "Europe/London",
    capacity: 10,
  },
  {
    name: "Liam O'Connor",
    role: "developer",
    teams: ["Mobile Apps"],
    timezone: "Europe/Dublin",
    capacity: 6,
  },
  {
    name: "Mei Chen",
    role: "developer",
    teams: ["Mobile Apps"],
    timezone: "Asia/Shanghai",
    capacity: 5,
    availability: "offline",
  },
  { name: "Noah Fischer", role: "developer", teams: ["Payments"], timezone: "Europe/Zurich", capacity: 6 },
  {
    name: "Fatima Zahra",
    role: "developer",
    teams: ["Platform", "Web Experience"],
    timezone: "Africa/Casablanca",
    capacity: 8,
  },
  {
    name: "Lucas Martins",
    role: "developer",
    teams: ["Payments", "Web Experience"],
    timezone: "America/Sao_Paulo",
    capacity: 7,
  },
  {
    name: "Ava Thompson",
    role: "developer",
    teams: ["Platform"],
    timezone: "America/New_York",
    capacity: 6,
    availability: "away",
  },

  { name: "Emma Clarke", role: "reporter" },
  { name: "Oliver Brown", role: "reporter" },
  { name: "Isabella Rossi", role: "reporter" },
  { name: "Ethan Kim", role: "reporter" },
  { name: "Chloe Dubois", role: "reporter" },
  { name: "Samuel Adeyemi", role: "reporter" },
  { name: "Grace Nguyen", role: "reporter" },
  { name: "Henrik Larsen", role: "reporter" },
];

export function demoEmail(name: string): string {
  return `${name
    .toLowerCase()
    .replaceAll(/[^a-z ]/g, "")
    .replaceAll(" ", ".")}@${DEMO_EMAIL_DOMAIN}`;
}
