-- Schema version 8 belongs to the road cameras (issue 23), built on another branch: this
-- file only keeps the migrations numbered without gaps here. At merge, theirs replaces it.
SELECT 1;
