"""The acknowledgement path: what happens between a click and its "ok".

`clicks` journals votes and quiz answers before the acknowledgement and applies them after the burst;
`ack_first` holds the work that follows an acknowledgement until the requests lull.
"""
