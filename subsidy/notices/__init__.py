"""What a village's bulletin-board notice says and how it is drawn: content, masking, fonts, PDF/A, the notice
settings."""
