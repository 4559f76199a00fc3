import { type CorpusEntry, fake } from './corpus-entry.js';

// Near misses: texts shaped like PII that are not, each a false positive a naive pattern would produce.
const none = (text: string): CorpusEntry => ({ text, pii: [] });

const orderNumbers = [
  'Order #555-123-4567 shipped on Monday.',
  'Invoice number 2024-000123 is overdue.',
  'Ticket 4111-2222 was closed as a duplicate.',
  'Tracking no. 1Z999AA10123456784 arrives Thursday.',
  'Confirmation code 555 123 4567 for the hotel.',
  'Order 123-45-6789 is on hold.',
  'Reference: 020 7946 0958 on the claim form',
  'SKU 4006381333931 is out of stock.',
  'Case #07700 900123 reopened.',
  'Part no. 0151 23456789 replaced under warranty.',
  'PO 415-555-0142 approved by finance.',
  'Account id 5551234567 has two users.',
  'Booking ref 1234567890123 confirmed.',
];

const versions = [
  'Upgraded to version 1.2.3.4 yesterday.',
  'Running v10.0.19041.1 on the build agents.',
  'Node 20.11.1 is required.',
  'Release 2.4.10.3 fixes the crash.',
  'semver 1.0.0-beta.2 is a prerelease.',
  'Chrome 120.0.6099.109 renders it fine.',
  'Build 10.0.22621.2861 of Windows.',
  'See section 4.2.1.3 of the spec.',
  'firmware 3.1.4.15 bricked two devices',
  'Python 3.11.4 and pip 23.2.1 installed.',
  'Bump the package to 12.3.0.',
  'rule 1.1.10.2 of the style guide applies',
];

const dates = [
  'The meeting is on 2024-01-15.',
  'Deployed at 2024-01-15T10:30:00Z without issues.',
  'We met on 15/01/2024 in Paris.',
  'Released on 2023-11-30, patched 2023-12-02.',
  'The date 1990-01-01 was a Monday.',
  'Sprint runs 03.06.2024 to 17.06.2024.',
  'Their birthday party on 2024-05-03 was fun.',
  'She was born in 1985 in Lyon.',
  'Date of birth is not required on the form.',
  'The DOB field was added on 2024-01-15.',
  'Born to run, as the song says.',
  'Anniversary: March 14, 2010.',
  'Deadline is 12/31/2024 at noon.',
  'Timestamp 1700000000000 marks the migration.',
];

const cards = [
  'Test number 4111 1111 1111 1112 fails the checksum.',
  'Pattern 1234 5678 9012 3456 is a placeholder.',
  'The id 5555555555554445 is not a card.',
  'Luhn-valid but no issuer: 9999999999999995.',
  'Batch 1000000000000008 processed.',
  'Serial 4929 1234 5678 9012 was rejected.',
  'Numbers 0000 0000 0000 0000 are zero.',
  'The sum 3782 8224 6310 0051 does not add up.',
  'Order total 6011 0009 9013 9425 units.',
  'Matrix row 1111 2222 3333 4444.',
];

const prices = [
  'It costs $1,234.56 per seat.',
  'Budget: € 1 299,00 for the trip.',
  'Raised USD 4,500,000 in the seed round.',
  'The invoice total was 555.12 euros.',
  'Lunch was £12.99.',
  'Price list: $999, $1,499 and $2,999.',
  'Revenue of 12 345 678 EUR last year.',
  'Pay $ 415 555 0142 in installments? No, $4,155.',
];

const phoneShaped = [
  'The call count was 12 today.',
  'Standup from 10:30-11:45 in room 101.',
  'ZIP code 94105 is San Francisco.',
  'Steps 1-2-3 are documented.',
  'Port 5432 is Postgres, 6379 is Redis.',
  'Score was 123-456 in overtime.',
  'Population 8 336 817 in 2020.',
  'Coordinates 40.7128, -74.0060 are New York.',
  'ISBN 978-3-16-148410-0 is the reference book.',
  'The ratio is 1:2:3 across teams.',
  'Room 12 04 is booked.',
  'Dial tone at 350 Hz and 440 Hz.',
];

const ibanShaped = [
  'GB82 WEST 1234 5698 7654 33 has a bad checksum.',
  'DE89 3704 0044 0532 0130 01 is mistyped.',
  'Product code AB12 CDEF 3456 7890 ships soon.',
  'Cable XY12 3456 is in stock.',
  'Model FR14 2004 is discontinued.',
  'NL91ABNA0417164301 bounced.',
];

const ssnShaped = [
  'Number 000-12-3456 is never issued.',
  '666-12-3456 is an invalid area.',
  '912-34-5678 is in the ITIN range.',
  '123-00-4567 has a zero group.',
  '123-45-0000 has a zero serial.',
  'Code 1234-56-789 is a catalogue entry.',
  'A-123-45-6789 is a licence plate series.',
  'Room 123 45 6789 does not exist.',
];

const emailShaped = [
  'Email me at the usual address.',
  'Connect to user@localhost for the dev box.',
  '@alice mentioned it in the channel.',
  'Install @scope/pkg@1.2.3 before running.',
  'Use logo@2x.png for retina screens.',
  'The handle a@b is too short.',
  'npm i lodash@4.17.21',
  'git clone from the origin remote.',
  'Decorators like @Component are everywhere.',
  'Meet @ 10 in the lobby.',
];

const ipShaped = [
  'The subnet 192.168.1 is partial.',
  '256.1.2.3 is not a valid address.',
  'Dotted 1.2.3.4.5 has five parts.',
  'Local server at 127.0.0.1:3000.',
  'Bind to 0.0.0.0 in the container.',
  'Netmask 255.255.255.0 for the LAN.',
  'MAC address 00:1A:2B:3C:4D:5E on the NIC.',
  'The race finished at 12:30:45.',
  'Use std::vector for the buffer.',
  'IPv6 loopback ::1 is fine.',
  'Ratio 16:9 for the video.',
  'Foo::Bar::baz is the method.',
];

const secretShaped = [
  'A password reset link was sent.',
  'password: ********',
  fake('password=$', '{DB_PASSWORD}'),
  'The password is required for admins.',
  'api_key: <your-key-here>',
  'The token count was 4096.',
  'Install scikit-learn, not sk-learn.',
  'AKIA is the prefix of AWS access keys.',
  'A JWT header starts with eyJhbGciOi.',
  'Commit 3f786850e387550fdab836ed7e6dc881de23001b fixed it.',
  'Request id 123e4567-e89b-12d3-a456-426614174000 failed.',
  'The secret: we always test first.',
  'Use Bearer token authentication.',
  'Tokens with the ghp_ prefix are classic GitHub tokens.',
  '-----BEGIN PUBLIC KEY----- is safe to share.',
  '-----BEGIN CERTIFICATE----- starts the chain.',
  'secret_santa: true',
  'password_hash: sha256',
  fake('token: $', '{{ secrets.GITHUB_TOKEN }}'),
  'Set API_KEY=process.env.API_KEY in the config.',
  'The password was changed yesterday.',
  'postgres://postgres@localhost:5432/test has no password.',
  fake('The sk-', 'proj prefix marks project keys.'),
  'The hash is sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08.',
];

/** Texts with no PII that resemble it: order numbers, versions, dates, prices, failing checksums. */
export const NEGATIVES: CorpusEntry[] = [
  ...orderNumbers,
  ...versions,
  ...dates,
  ...cards,
  ...prices,
  ...phoneShaped,
  ...ibanShaped,
  ...ssnShaped,
  ...emailShaped,
  ...ipShaped,
  ...secretShaped,
].map(none);
