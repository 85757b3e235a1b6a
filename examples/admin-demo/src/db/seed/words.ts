/**
 * The fixed word lists of the demo seed: countries (weighted), product categories, e-mail
 * domains, order notes and support-ticket subjects. Faker fills only the name pools.
 */

/** Customer countries with their weights. */
export const COUNTRIES: ReadonlyArray<readonly [string, number]> = [
  ["Germany", 24],
  ["France", 18],
  ["Netherlands", 10],
  ["Spain", 10],
  ["Italy", 10],
  ["Belgium", 6],
  ["Austria", 6],
  ["Ireland", 4],
  ["Portugal", 4],
  ["Finland", 3],
  ["Greece", 3],
  ["Slovenia", 2],
];

/** Product categories. */
export const CATEGORIES = [
  "Books",
  "Electronics",
  "Garden",
  "Home",
  "Kitchen",
  "Office",
  "Outdoors",
  "Sports",
  "Toys",
  "Clothing",
  "Beauty",
  "Grocery",
] as const;

/** Customer e-mail domains (reserved or test domains only). */
export const EMAIL_DOMAINS = ["example.com", "example.net", "example.org", "mail.example", "shop.test"] as const;

/** Order notes (8% of orders have one). */
export const NOTES = [
  "Please leave the parcel with a neighbour.",
  "Gift wrap, no invoice in the box.",
  "Deliver after 5 pm.",
  "Call before delivery.",
  "Customer asked for express shipping.",
  "Fragile: double box.",
  "Invoice to the company address.",
  "Replacement for an earlier damaged order.",
] as const;

/** Subjects of tickets about an order; `{n}` is the order number. */
export const ORDER_SUBJECTS = [
  "Where is my order {n}?",
  "Item missing from {n}",
  "Damaged item in {n}",
  "Refund request for {n}",
  "Wrong size delivered ({n})",
  "Invoice needed for {n}",
  "Change delivery address for {n}",
  "Cancel order {n}",
] as const;

/** Subjects of tickets about no order. */
export const GENERAL_SUBJECTS = [
  "Cannot log in",
  "Password reset email not arriving",
  "Question about a product",
  "Do you ship to the Canary Islands?",
  "Discount code not accepted",
  "Update my billing details",
  "Unsubscribe from the newsletter",
  "Bulk order enquiry",
] as const;
