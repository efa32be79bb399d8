-- PLACEHOLDER, to be dropped at merge: 010 belongs to the `feedback` branch (issue 13
-- part 2). Migrations must be numbered without gaps, and this branch's is 011.
SELECT 1;
