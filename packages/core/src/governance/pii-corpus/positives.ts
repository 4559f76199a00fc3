import type { PiiType } from '../../types.js';
import { type CorpusEntry, fake } from './corpus-entry.js';

// Every value here is fake: documentation ranges, card networks' published test numbers, example IBANs.
const one = (type: PiiType, value: string, text: string): CorpusEntry => ({ text, pii: [{ type, value }] });

const GITHUB = fake('gh', 'p_', 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8');
const GITHUB_OAUTH = fake('gh', 'o_', 'Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0Pp9Oo8N');
const GITHUB_PAT = fake('github', '_pat_', '11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX');
const SLACK_BOT = fake('xo', 'xb-', '123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx');
const SLACK_USER = fake('xo', 'xp-', '98765432101-98765432101-1234567890123-0123456789abcdef');
const SLACK_HOOK = fake('https://hooks.', 'slack.com/services/', 'T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX');
const ANTHROPIC = fake('sk-', 'ant-', 'api03-', 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-AbCdEfGhIjKl');
const OPENAI = fake('sk-', 'proj-', 'Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56Qr78St90');
const OPENAI_LEGACY = fake('sk-', 'Zy98Xw76Vu54Ts32Rq10PoNmLkJiHgFeDcBa0123456789');
const AWS = fake('AKIA', 'IOSFODNN7', 'EXAMPLE');
const AWS_TEMP = fake('ASIA', 'Y34FZKBOKMUT', 'VV7A');
const STRIPE = fake('sk', '_live_', '4eC39HqLyjWDarjtT1zdp7dc');
const GOOGLE = fake('AIza', 'SyA-1234567890abcdefghijklmnopqrstu');
const JWT = fake(
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9',
  '.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkphbmUgRG9lIn0',
  '.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
);
const PEM = fake(
  '-----BEGIN RSA ',
  'PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\nVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n-----END RSA ',
  'PRIVATE KEY-----',
);
const PEM_OPENSSH = fake(
  '-----BEGIN OPENSSH ',
  'PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH ',
  'PRIVATE KEY-----',
);

const emails: CorpusEntry[] = [
  one('email', 'jane.doe@example.com', 'Contact Jane at jane.doe@example.com about the launch.'),
  one('email', 'bob+newsletter@mail.example.org', 'Bob signs up with bob+newsletter@mail.example.org for updates.'),
  one('email', 'first_last@sub.domain.co.uk', 'Her address is first_last@sub.domain.co.uk'),
  one('email', 'ops-team@acme.io', 'Escalations go to ops-team@acme.io, not to the CEO.'),
  one('email', 'a.b.c@d-e.example', 'Mail a.b.c@d-e.example.'),
  one('email', 'USER@EXAMPLE.COM', 'Login: USER@EXAMPLE.COM'),
  one('email', 'maria.garcia@correo.es', 'Send the invoice to maria.garcia@correo.es tomorrow'),
  one('email', 'x_y-z.99@example.travel', '(x_y-z.99@example.travel)'),
  one('email', 'support@example.com', 'mailto:support@example.com'),
  one('email', 'li.wei@example.cn', 'Li Wei <li.wei@example.cn> joined the call.'),
  one('email', 'dev%relay@example.net', 'The relay address dev%relay@example.net forwards everything.'),
  one('email', 'o.connor@example.ie', 'User prefers that we write to o.connor@example.ie in the evening.'),
  one('email', 'alerts@status.example.com', '"from": "alerts@status.example.com"'),
  one('email', 'k@example.dev', 'Shortest address on file: k@example.dev'),
  one('email', 'jane\u200b.doe@example.com', 'Zero-width space inside: jane\u200b.doe@example.com'),
  one(
    'email',
    'ｓａｍ＠ｅｘａｍｐｌｅ．ｏｒｇ',
    'Fullwidth address ｓａｍ＠ｅｘａｍｐｌｅ．ｏｒｇ from a Japanese form',
  ),
];

const phones: CorpusEntry[] = [
  one('phone', '+1 (555) 123-4567', 'Call me at +1 (555) 123-4567 after five.'),
  one('phone', '(555) 987-6543', 'Office line (555) 987-6543.'),
  one('phone', '555-123-4567', 'My number is 555-123-4567'),
  one('phone', '555.234.5678', 'Reach Sam on 555.234.5678 during the day.'),
  one('phone', '1-800-555-0199', 'The support hotline is 1-800-555-0199.'),
  one('phone', '+44 20 7946 0958', 'London office: +44 20 7946 0958'),
  one('phone', '020 7946 0958', 'Ring the front desk on 020 7946 0958.'),
  one('phone', '07700 900123', 'Her mobile is 07700 900123.'),
  one('phone', '+49 30 12345678', 'Berlin: +49 30 12345678'),
  one('phone', '030 1234 5678', 'Telefon 030 1234 5678'),
  one('phone', '+33 1 23 45 67 89', 'Le bureau de Paris: +33 1 23 45 67 89'),
  one('phone', '01 23 45 67 89', 'Appelez le 01 23 45 67 89 demain.'),
  one('phone', '06.12.34.56.78', 'Portable 06.12.34.56.78'),
  one('phone', '+91 98765 43210', 'WhatsApp +91 98765 43210'),
  one('phone', '+61 2 9876 5432', 'Sydney desk +61 2 9876 5432.'),
  one('phone', '+81-3-1234-5678', 'Tokyo: +81-3-1234-5678'),
  one('phone', '0044 20 7946 0958', 'From abroad dial 0044 20 7946 0958.'),
  one('phone', '+14155550123', 'SMS alerts go to +14155550123.'),
  one('phone', '5551234567', 'Text me at 5551234567 when you land.'),
  one('phone', '415 555 0142', 'Landline 415 555 0142 is disconnected now.'),
  one('phone', '+34 912 345 678', 'Madrid: +34 912 345 678'),
  one('phone', '0151 23456789', 'Handy: 0151 23456789'),
  one('phone', '(02) 9876 5432', 'call (02) 9876 5432 in Sydney'),
  one('phone', '202-555-0173', 'my cell: 202-555-0173'),
  one('phone', '555\u00a0123\u00a04567', 'Call 555\u00a0123\u00a04567 (non-breaking spaces).'),
  one('phone', '+33\u00a01\u00a023\u00a045\u00a067\u00a089', 'Tél. : +33\u00a01\u00a023\u00a045\u00a067\u00a089'),
];

const ssns: CorpusEntry[] = [
  one('ssn', '123-45-6789', 'SSN: 123-45-6789'),
  one('ssn', '219-09-9999', 'His social security number is 219-09-9999.'),
  one('ssn', '536-22-1234', 'Employee record 536-22-1234 for payroll.'),
  one('ssn', '432-11-7890', 'The form lists 432-11-7890 in box 3.'),
  one('ssn', '123 45 6789', 'SSN 123 45 6789'),
  one('ssn', '501234567', 'social security number: 501234567'),
  one('ssn', '078-05-1120', 'Her SSN was 078-05-1120 on the old card.'),
  one('ssn', '665-43-2109', 'ssn=665-43-2109'),
  one('ssn', '287-65-4321', 'Tax ID on the W-2 is 287-65-4321'),
  one('ssn', '401-22-3333', 'Applicant (SSN 401-22-3333) approved.'),
  one('ssn', '772 11 2345', 'Social Security No. 772 11 2345'),
  one('ssn', '123\u201345\u20136789', 'SSN 123\u201345\u20136789 (en dashes)'),
];

const cards: CorpusEntry[] = [
  one('credit_card', '4111 1111 1111 1111', 'my card is 4111 1111 1111 1111'),
  one('credit_card', '4012888888881881', 'Visa 4012888888881881 expires 09/27.'),
  one('credit_card', '5555 5555 5555 4444', 'Charge 5555 5555 5555 4444 for the renewal.'),
  one('credit_card', '5105-1051-0510-5100', 'Card number: 5105-1051-0510-5100'),
  one('credit_card', '378282246310005', 'Amex 378282246310005 on file.'),
  one('credit_card', '3782 822463 10005', 'Use the Amex 3782 822463 10005.'),
  one('credit_card', '371449635398431', 'Corporate card 371449635398431'),
  one('credit_card', '6011 1111 1111 1117', 'Discover 6011 1111 1111 1117 works.'),
  one('credit_card', '6011000990139424', 'Backup card 6011000990139424.'),
  one('credit_card', '3530111333300000', 'JCB 3530111333300000'),
  one('credit_card', '3566002020360505', 'Pay with 3566002020360505 next time.'),
  one('credit_card', '30569309025904', 'Diners Club 30569309025904'),
  one('credit_card', '38520000023237', 'Old Diners card 38520000023237 is closed.'),
  one('credit_card', '2223003122003222', 'New Mastercard 2223003122003222'),
  one('credit_card', '4222222222222', 'Legacy 13-digit Visa 4222222222222.'),
  one('credit_card', '6200000000000005', 'UnionPay 6200000000000005'),
  one('credit_card', '5200 8282 8282 8210', 'Debit card 5200 8282 8282 8210.'),
  one(
    'credit_card',
    '４１１１ １１１１ １１１１ １１１１',
    'Fullwidth card ４１１１ １１１１ １１１１ １１１１ on the form',
  ),
  one('credit_card', '4111.1111.1111.1111', 'Card written 4111.1111.1111.1111 in the chat.'),
];

const ibans: CorpusEntry[] = [
  one('iban', 'DE89 3704 0044 0532 0130 00', 'Wire the deposit to DE89 3704 0044 0532 0130 00.'),
  one('iban', 'GB82 WEST 1234 5698 7654 32', 'IBAN: GB82 WEST 1234 5698 7654 32'),
  one('iban', 'FR14 2004 1010 0505 0001 3M02 606', 'Compte FR14 2004 1010 0505 0001 3M02 606'),
  one('iban', 'NL91ABNA0417164300', 'Pay NL91ABNA0417164300 by Friday.'),
  one('iban', 'ES91 2100 0418 4502 0005 1332', 'Cuenta ES91 2100 0418 4502 0005 1332'),
  one('iban', 'IT60 X054 2811 1010 0000 0123 456', 'Bonifico su IT60 X054 2811 1010 0000 0123 456.'),
  one('iban', 'BE68 5390 0754 7034', 'Rekening BE68 5390 0754 7034'),
  one('iban', 'CH93 0076 2011 6238 5295 7', 'Swiss account CH93 0076 2011 6238 5295 7.'),
  one('iban', 'AT611904300234573201', 'AT611904300234573201 is the landlord account'),
  one('iban', 'NO93 8601 1117 947', 'Norwegian IBAN NO93 8601 1117 947'),
  one('iban', 'SE45 5000 0000 0583 9825 7466', 'Salary goes to SE45 5000 0000 0583 9825 7466.'),
  one('iban', 'PL61 1090 1014 0000 0712 1981 2874', 'Przelew: PL61 1090 1014 0000 0712 1981 2874'),
  one('iban', 'IE29AIBK93115212345678', 'Irish account IE29AIBK93115212345678.'),
  one('iban', 'DK50 0040 0440 1162 43', 'Danish IBAN DK50 0040 0440 1162 43'),
];

const ips: CorpusEntry[] = [
  one('ip_address', '192.0.2.44', 'The login came from 192.0.2.44 last night.'),
  one('ip_address', '198.51.100.7', 'Block 198.51.100.7 at the firewall.'),
  one('ip_address', '203.0.113.255', 'Client IP: 203.0.113.255'),
  one('ip_address', '10.0.0.12', 'SSH into 10.0.0.12 as deploy.'),
  one('ip_address', '192.168.1.1', 'Router admin page is at http://192.168.1.1/'),
  one('ip_address', '172.16.254.3', 'Her laptop had 172.16.254.3 on the VPN.'),
  one('ip_address', '8.8.8.8', 'DNS set to 8.8.8.8.'),
  one('ip_address', '2001:db8::1', 'IPv6 address 2001:db8::1 is in the log.'),
  one('ip_address', '2001:0db8:85a3:0000:0000:8a2e:0370:7334', 'Seen from 2001:0db8:85a3:0000:0000:8a2e:0370:7334'),
  one('ip_address', 'fe80::1ff:fe23:4567:890a', 'Link-local fe80::1ff:fe23:4567:890a on eth0'),
  one('ip_address', '2001:db8:3333:4444:5555:6666:7777:8888', 'Peer 2001:db8:3333:4444:5555:6666:7777:8888 connected.'),
  one('ip_address', '::ffff:192.0.2.128', 'Mapped address ::ffff:192.0.2.128 hit the API.'),
  one('ip_address', '100.64.12.9', '(origin 100.64.12.9)'),
  one('ip_address', '203.0.113.9', 'X-Forwarded-For: 203.0.113.9'),
];

const secrets: CorpusEntry[] = [
  one('secret', AWS, `aws access key ${AWS} was rotated`),
  one('secret', AWS_TEMP, `temporary credentials ${AWS_TEMP}`),
  one('secret', GITHUB, `Use ${GITHUB} to push to the repo.`),
  one('secret', GITHUB_OAUTH, `oauth token ${GITHUB_OAUTH}`),
  one('secret', GITHUB_PAT, `Fine-grained token: ${GITHUB_PAT}`),
  one('secret', SLACK_BOT, `Slack bot token ${SLACK_BOT}`),
  one('secret', SLACK_USER, `slack user token=${SLACK_USER}`),
  one('secret', SLACK_HOOK, `Alerts post to ${SLACK_HOOK}`),
  one('secret', ANTHROPIC, `ANTHROPIC_API_KEY=${ANTHROPIC}`),
  one('secret', OPENAI, `The OpenAI key is ${OPENAI}.`),
  one('secret', OPENAI_LEGACY, `old key ${OPENAI_LEGACY}`),
  one('secret', STRIPE, `Stripe live key ${STRIPE}`),
  one('secret', GOOGLE, `Maps key ${GOOGLE}`),
  one('secret', JWT, `Authorization token ${JWT}`),
  one('secret', PEM, `Here is the deploy key:\n${PEM}\nkeep it safe`),
  one('secret', PEM_OPENSSH, PEM_OPENSSH),
  one('secret', 'hunter2!', 'password=hunter2!'),
  one('secret', 'S3cr3t-Pa55', 'DB_PASSWORD: S3cr3t-Pa55'),
  one('secret', 'correct horse battery staple', '{"password": "correct horse battery staple"}'),
  one('secret', 'tr0ub4dor', 'my password is tr0ub4dor'),
  one('secret', 'p@ssw0rd99', "login with pwd='p@ssw0rd99'"),
  one(
    'secret',
    'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  ),
  one('secret', 'a8f5f167f44f4964e6c998dee827110c', 'client_secret: a8f5f167f44f4964e6c998dee827110c'),
  one('secret', 'Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA', 'Authorization: Bearer Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA'),
  one('secret', 'sup3rs3cret', 'DATABASE_URL=postgres://app:sup3rs3cret@db.internal:5432/app'),
  one('secret', 'k8s-Tok3n-value', 'export API_TOKEN=k8s-Tok3n-value'),
];

const datesOfBirth: CorpusEntry[] = [
  one('date_of_birth', '1985-03-14', 'Date of birth: 1985-03-14'),
  one('date_of_birth', '03/14/1985', 'DOB 03/14/1985'),
  one('date_of_birth', '14.03.1985', 'D.O.B.: 14.03.1985'),
  one('date_of_birth', 'March 14, 1985', 'She was born on March 14, 1985 in Lyon.'),
  one('date_of_birth', '14 March 1985', 'born 14 March 1985'),
  one('date_of_birth', '1990-07-02', 'My birthday is 1990-07-02.'),
  one('date_of_birth', '2nd July 1990', 'Birthday: 2nd July 1990'),
  one('date_of_birth', '7/2/90', 'dob=7/2/90'),
  one('date_of_birth', 'Jan 5 2001', 'Birth date Jan 5 2001'),
  one('date_of_birth', '2001/01/05', 'birthdate: 2001/01/05'),
  one('date_of_birth', '12 of December, 1977', 'He was born on the... no wait, date of birth is 12 of December, 1977'),
  one('date_of_birth', 'Sept. 9, 1969', 'Born on Sept. 9, 1969.'),
  one('date_of_birth', '3rd of May 1988', 'My date of birth is the 3rd of May 1988'),
];

const mixed: CorpusEntry[] = [
  {
    text: 'Jane Doe, jane@example.com, +1 (555) 010-2000, SSN 123-45-6789',
    pii: [
      { type: 'email', value: 'jane@example.com' },
      { type: 'phone', value: '+1 (555) 010-2000' },
      { type: 'ssn', value: '123-45-6789' },
    ],
  },
  {
    text: 'Refund 4111-1111-1111-1111 and wire the rest to GB82 WEST 1234 5698 7654 32.',
    pii: [
      { type: 'credit_card', value: '4111-1111-1111-1111' },
      { type: 'iban', value: 'GB82 WEST 1234 5698 7654 32' },
    ],
  },
  {
    text: `Server 198.51.100.23 uses ${AWS} and password=Blu3-Sky!`,
    pii: [
      { type: 'ip_address', value: '198.51.100.23' },
      { type: 'secret', value: AWS },
      { type: 'secret', value: 'Blu3-Sky!' },
    ],
  },
  {
    text: 'Patient born on 1972-11-30, phone 020 7946 0000, email p.smith@example.co.uk',
    pii: [
      { type: 'date_of_birth', value: '1972-11-30' },
      { type: 'phone', value: '020 7946 0000' },
      { type: 'email', value: 'p.smith@example.co.uk' },
    ],
  },
];

/** Texts holding PII, each labelled with every value a detector must find. */
export const POSITIVES: CorpusEntry[] = [
  ...emails,
  ...phones,
  ...ssns,
  ...cards,
  ...ibans,
  ...ips,
  ...secrets,
  ...datesOfBirth,
  ...mixed,
];
