"""Tests of the job server and the cloud client, against real server processes on loopback."""
