-- PLACEHOLDER, to be dropped at merge: 013 belongs to another branch of issue 14.
-- Migrations must be numbered without gaps, and this branch's is 015.
SELECT 1;
