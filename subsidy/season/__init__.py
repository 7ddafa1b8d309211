"""The season after the drafts: notices/, the publication and its commit, the archive, verify, postings and
objections, the status per village, 核验码."""
