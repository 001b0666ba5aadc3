"""Rover mobility: kinematics, speed limits, pose estimate, planner, navigator."""
