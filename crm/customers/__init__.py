"""customers"""
